"""The project-file keys of the untyped elements (``model.elements``), both ways.

``read_elements`` turns ``apps``, ``flows``, ``layouts``, ``login_flows``... and ``other`` into the
model's ``Node``s; ``write_elements`` turns ``Node``s back into those keys. Each written entry is
read back and compared before it is kept in a short form; an entry no short form holds exactly
goes under ``other``, element by element, as the XML has it; one that even ``other`` cannot hold
is refused by name (``Unrepresentable``), so nothing is ever dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from apionly_deploy.model.components import Kind, Node
from apionly_deploy.model.elements import BY_KEY, BY_TAG, ELEMENTS, OTHER_KEY, Element, Form
from apionly_deploy.model.xmlread import canonical_boolean, truth
from apionly_deploy.project.config import SourceFile, did_you_mean
from apionly_deploy.project.values import read_mapping, read_toggles, type_name

KeyPath = tuple[str, ...]
#: A record: an element's children by XML name; a value is text, a record, or a list of either.
Record = dict[str, Any]

APP_WORDS = ("visible", "default", "hidden")
#: What an element name in a record or under ``other`` may be (an XML name, without prefix).
_ELEMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_FLAG_CHILDREN = frozenset({"enabled", "visible", "default"})


class Unrepresentable(ValueError):
    """An element the project file cannot hold exactly (mixed content, interleaved children)."""


# -- reading ------------------------------------------------------------------------------


def element_keys(kind: Kind) -> tuple[str, ...]:
    """Return the keys a table of ``kind`` may use for untyped elements (``other`` last)."""
    return (*sorted(e.key for e in ELEMENTS if kind in e.kinds), OTHER_KEY)


def read_elements(
    src: SourceFile, path: KeyPath, table: Mapping[str, Any], kind: Kind
) -> tuple[Node, ...]:
    """Return the Nodes the element keys of ``table`` declare, in key order."""
    nodes: list[Node] = []
    for key in element_keys(kind):
        if key not in table:
            continue
        if key == OTHER_KEY:
            nodes += _read_other(src, (*path, key), table[key])
        else:
            nodes += _read_element(src, path, BY_KEY[key], table, kind)
    return tuple(nodes)


def _read_element(
    src: SourceFile, table_path: KeyPath, element: Element, table: Mapping[str, Any], kind: Kind
) -> list[Node]:
    path, value = (*table_path, element.key), table[element.key]
    if element.form is Form.ACCESS:
        return [
            access_node(element, name, on, line=src.line((*path, name)))
            for name, on in read_toggles(src, table_path, table, element.key).items()
        ]
    if element.form is Form.APP:
        apps = read_mapping(
            src, path, value, f'{element.key} = {{ "standard__Sales" = "visible" }}'
        )
        return [
            app_node(
                name, _app_words(src, (*path, name), spec, kind), kind, src.line((*path, name))
            )
            for name, spec in apps.items()
        ]
    if element.form is Form.LAYOUT:
        example = f'{element.key} = {{ "Account-Account Layout" = ["Account", "Account.Partner"] }}'
        layouts = read_mapping(src, path, value, example)
        nodes = []
        for layout, spec in layouts.items():
            where = (*path, layout)
            for target in _layout_targets(src, where, layout, spec):
                nodes.append(layout_node(target, layout, line=src.line(where)))
        return nodes
    if not isinstance(value, list):
        raise src.error(
            path,
            f"must be a list of tables, not {type_name(value)}",
            f"write {element.key} = [{{ ... }}]",
        )
    return [_record_node(src, (*path, str(i)), element.tag, item) for i, item in enumerate(value)]


def _read_other(src: SourceFile, path: KeyPath, value: Any) -> list[Node]:
    table = read_mapping(src, path, value, 'other = { someElement = ["text"] }')
    nodes = []
    for tag, items in table.items():
        if not isinstance(items, list):
            raise src.error(
                (*path, tag), "must be a list of entries", f'write {tag} = ["text"] or [{{ ... }}]'
            )
        nodes += [
            _record_node(src, (*path, tag, str(i)), tag, item) for i, item in enumerate(items)
        ]
    return nodes


def _record_node(src: SourceFile, path: KeyPath, tag: str, value: Any) -> Node:
    line = src.line(path)
    if not _ELEMENT_NAME.match(tag):  # rendered as a tag: never let a name inject markup
        raise src.error(
            path,
            f"{tag!r} is not an XML element name",
            "use the element's Salesforce name (letters, digits, _)",
        )
    if isinstance(value, str):
        return Node(tag, value, line=line)
    if not isinstance(value, Mapping):
        raise src.error(
            path,
            f"must be text or a table, not {type_name(value)}",
            "write the element's children as a table",
        )
    children: list[Node] = []
    for child, item in value.items():
        for one in item if isinstance(item, list) else [item]:
            children.append(_record_node(src, (*path, child), child, one))
    return Node(tag, None if children else "", tuple(children), line=line)


def _layout_targets(src: SourceFile, path: KeyPath, layout: str, spec: Any) -> list[str]:
    """Read where a layout is assigned: its object (no record type) and record types."""
    targets = [spec] if isinstance(spec, str) else spec
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise src.error(
            path, "must be an object or record type, or a list of them", 'write ["Account.Partner"]'
        )
    owner = layout_object(layout)
    for target in targets:
        if "." not in target and target != owner:
            raise src.error(
                path,
                f"{target!r} is not the layout's object {owner!r}",
                f'write "{owner}" for its default assignment, or a record type',
            )
    return targets


def layout_object(layout: str) -> str:
    """Return the object a layout belongs to: its name up to the first ``-``."""
    return layout.split("-", 1)[0]


def _app_words(src: SourceFile, path: KeyPath, spec: Any, kind: Kind) -> set[str]:
    words = [spec] if isinstance(spec, str) else spec
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise src.error(path, "must be a word or a list of words", f"use: {', '.join(APP_WORDS)}")
    for word in words:
        if word not in APP_WORDS:
            raise src.error(
                path,
                f"unknown word {word!r}{did_you_mean(word, APP_WORDS)}",
                f"use: {', '.join(APP_WORDS)}",
            )
    if "default" in words and kind is not Kind.PROFILE:
        raise src.error(path, "only a profile sets a default app", 'use "visible"')
    return set(words)


# -- the Nodes of each form -----------------------------------------------------------------


def _sorted(tag: str, children: Iterable[Node], line: int) -> Node:
    return Node(tag, None, tuple(sorted(children, key=lambda c: c.tag)), line=line)


def access_node(element: Element, name: str, enabled: bool, *, line: int = 0) -> Node:
    """Return an ACCESS entry: its name child and ``enabled``."""
    flag = Node("enabled", "true" if enabled else "false")
    return _sorted(element.tag, (flag, Node(element.name_child, name)), line)


def app_node(name: str, words: set[str], kind: Kind, line: int = 0) -> Node:
    """Return an applicationVisibilities entry (a profile's always says ``default``)."""
    children = [Node("application", name), Node("visible", _text("hidden" not in words))]
    if kind is Kind.PROFILE:
        children.append(Node("default", _text("default" in words)))
    return _sorted("applicationVisibilities", children, line)


def layout_node(target: str, layout: str, *, line: int = 0) -> Node:
    """Return a layoutAssignments entry; ``target`` is an object or ``Object.RecordType``."""
    children = [Node("layout", layout)]
    if "." in target:
        children.append(Node("recordType", target))
    return _sorted("layoutAssignments", children, line)


def _text(on: bool) -> str:
    return "true" if on else "false"


# -- writing --------------------------------------------------------------------------------


def write_elements(nodes: Sequence[Node], kind: Kind) -> dict[str, object]:
    """Return the project-file keys holding ``nodes`` exactly (order and boolean case aside).

    Raises Unrepresentable naming the first element no key can hold.
    """
    short: dict[str, Any] = {}
    other: dict[str, list[object]] = {}
    for node in nodes:
        element = BY_TAG.get(node.tag)
        if element is not None and kind in element.kinds and _put_short(short, element, node, kind):
            continue
        other.setdefault(node.tag, []).append(record_of(node))
    keys: dict[str, object] = {
        e.key: _toggle_list(short[e.key]) if e.form is Form.ACCESS else short[e.key]
        for e in ELEMENTS
        if e.key in short
    }
    if other:
        keys[OTHER_KEY] = other
    return keys


def _toggle_list(flags: dict[str, bool]) -> object:
    """``["A", "B"]`` when every entry is on, ``{ A = true, B = false }`` otherwise."""
    return list(flags) if all(flags.values()) else flags


def _put_short(short: dict[str, Any], element: Element, node: Node, kind: Kind) -> bool:
    """Add ``node`` to its short key when that holds it exactly; return whether it did."""
    if element.form is Form.RECORD:
        short.setdefault(element.key, []).append(record_of(node))
        return True
    fields = {c.tag: c.text for c in node.children}
    if node.text or len(fields) != len(node.children) or any(c.children for c in node.children):
        return False
    entry = _short_entry(element, fields, kind)
    if entry is None:
        return False
    target, value, again = entry
    table = short.get(element.key, {})
    if not target or again != _canonical(node):
        return False
    if element.form is Form.LAYOUT:  # one key per layout, listing where it is assigned
        held = table.get(target, [])
        targets = held if isinstance(held, list) else [held]
        if value in targets:
            return False
        value = value if not targets else [*targets, value]
    elif target in table:
        return False
    short[element.key] = {**table, target: value}
    return True


def _short_entry(
    element: Element, fields: Mapping[str, str | None], kind: Kind
) -> tuple[str, object, Node] | None:
    """Return (key, value, the Node they read back as) of an entry in its short form."""
    name = fields.get(element.name_child) or ""
    if element.form is Form.ACCESS:
        enabled = truth(fields.get("enabled"))
        return name, enabled, access_node(element, name, enabled)
    if element.form is Form.APP:
        words = ["visible" if truth(fields.get("visible")) else "hidden"]
        if truth(fields.get("default")):
            words.append("default")
        value: object = words[0] if len(words) == 1 else words
        return name, value, app_node(name, set(words), kind)
    record_type = fields.get("recordType")
    where = record_type or layout_object(name)
    if ("." in where) != bool(record_type):
        return None  # an object would read back as a record type, or the reverse
    return name, where, layout_node(where, name)


def _canonical(node: Node) -> Node:
    """Return a short-form entry as its form writes it: children in name order, flags as
    ``true``/``false`` (``True`` and ``1`` read as Salesforce reads them)."""
    # Any other text stays as it is: no short form holds it, so it goes under ``other``.
    children = [
        Node(c.tag, canonical_boolean(c.text) if c.tag in _FLAG_CHILDREN and c.text else c.text)
        for c in node.children
    ]
    return _sorted(node.tag, children, node.line)


def record_of(node: Node) -> object:
    """Return an element as a record (text, or its children by name), for ``other`` and the
    record-form keys; raise Unrepresentable when a record cannot hold it exactly."""
    if not node.children:
        return node.text or ""
    if node.text:
        raise Unrepresentable(f"<{node.tag}> mixes text and elements")
    record: Record = {}
    for child in node.children:
        value = record_of(child)
        if child.tag not in record:
            record[child.tag] = value
            continue
        if list(record)[-1] != child.tag:
            raise Unrepresentable(f"<{node.tag}> repeats <{child.tag}> after other elements")
        held = record[child.tag]
        record[child.tag] = [*held, value] if isinstance(held, list) else [held, value]
    return record
