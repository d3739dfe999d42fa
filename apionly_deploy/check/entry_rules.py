"""Rules over every entry of a file: duplicates (AO401/AO402) and field edit-needs-read (AO206).

They run on the model (``model_entry_findings``) and straight on parsed XML
(``xml_entry_findings``), which on a schema-valid document touches only the key elements through
lxml's C-level tag filter instead of building 100,000 dataclasses. Tests hold the two to the
same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from itertools import count as indexes
from operator import and_, attrgetter
from typing import Any

from lxml import etree

from apionly_deploy.check.rules import Finding, make
from apionly_deploy.check.scan import line_of, stripped, truth
from apionly_deploy.model.components import (
    Component,
    Kind,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)

#: Entry tag -> the child elements that identify an entry (``()``: the element's own text).
ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "agentAccesses": ("agentName",),
    "applicationVisibilities": ("application",),
    "categoryGroupVisibilities": ("dataCategoryGroup",),
    "classAccesses": ("apexClass",),
    "customMetadataTypeAccesses": ("name",),
    "customPermissions": ("name",),
    "customSettingAccesses": ("name",),
    "dataspaceScopes": ("dataspaceScope",),
    "emailRoutingAddressAccesses": ("name",),
    "externalCredentialPrincipalAccesses": ("externalCredentialPrincipal",),
    "externalDataSourceAccesses": ("externalDataSource",),
    "fieldPermissions": ("field",),
    "flowAccesses": ("flow",),
    "genComputingSummaryDefAccesses": ("configName",),
    "layoutAssignments": ("layout", "recordType"),
    "loginIpRanges": ("startAddress", "endAddress"),
    "objectPermissions": ("object",),
    "pageAccesses": ("apexPage",),
    "profileActionOverrides": ("actionName", "pageOrSobjectType", "recordType", "formFactor"),
    "recordTypeVisibilities": ("recordType",),
    "servicePresenceStatusAccesses": ("servicePresenceStatus",),
    "tabSettings": ("tab",),
    "tabVisibilities": ("tab",),
    "userPermissions": ("name",),
    "mutingPermissionSets": (),
    "permissionSets": (),
}
_TRUE = frozenset({"true", "1"})


@dataclass(frozen=True, slots=True)
class _Entry:
    key: tuple[str, ...]
    value: Any
    line: int


def _report(tag: str, entries: Iterable[_Entry], file: str) -> Iterator[Finding]:
    first: dict[tuple[str, ...], _Entry] = {}
    for entry in entries:
        seen = first.setdefault(entry.key, entry)
        if seen is entry:
            continue
        label = "/".join(k for k in entry.key if k) or "(empty)"
        if entry.value == seen.value:
            message = f"duplicate <{tag}> for {label} (also at line {seen.line})"
            yield make("AO401", file, entry.line, message)
        else:
            message = f"<{tag}> for {label} conflicts with the entry at line {seen.line}"
            yield make("AO402", file, entry.line, message)


# -- model ---------------------------------------------------------------------------------

#: (model attribute, entry tag, key attributes) of the typed entry lists.
_MODEL_LISTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("user_permissions", "userPermissions", ("name",)),
    ("object_permissions", "objectPermissions", ("object",)),
    ("field_permissions", "fieldPermissions", ("field",)),
    ("class_accesses", "classAccesses", ("name",)),
    ("page_accesses", "pageAccesses", ("name",)),
    ("custom_permissions", "customPermissions", ("name",)),
    ("record_types", "recordTypeVisibilities", ("record_type",)),
    ("login_ip_ranges", "loginIpRanges", ("start", "end")),
)


def _model_report(
    tag: str, items: Sequence[Any], keys: tuple[str, ...], file: str
) -> list[Finding]:
    """Report repeated keys of ``items``; distinct keys (the usual case) cost one C-level set."""
    if len(set(map(attrgetter(*keys), items))) == len(items):
        return []
    entries = (_Entry(tuple(getattr(e, k) for k in keys), e, e.line) for e in items)
    return list(_report(tag, entries, file))


def _node_key(node: Node, keys: Sequence[str]) -> tuple[str, ...]:
    texts = {child.tag: (child.text or "") for child in node.children}
    return tuple(texts.get(k, "") for k in keys)


def model_entry_findings(component: Component, *, file: str) -> list[Finding]:
    """Return duplicate and field findings for a model component."""
    if isinstance(component, PermissionSetGroup):
        found: list[Finding] = []
        for tag, names in (
            ("permissionSets", component.permission_sets),
            ("mutingPermissionSets", component.muting_permission_sets),
        ):
            found += _report(tag, (_Entry((n,), n, 0) for n in names), file)
        return found
    return list(_container_entries(component, file))


def _container_entries(container: PermissionContainer, file: str) -> Iterator[Finding]:
    for attr, tag, attrs in _MODEL_LISTS:
        yield from _model_report(tag, getattr(container, attr), attrs, file)
    tab_tag = "tabVisibilities" if container.kind is Kind.PROFILE else "tabSettings"
    yield from _model_report(tab_tag, container.tabs, ("tab",), file)
    by_tag: dict[str, list[_Entry]] = {}
    for node in container.extras:
        keys = ENTRY_KEYS.get(node.tag)
        if keys:
            by_tag.setdefault(node.tag, []).append(_Entry(_node_key(node, keys), node, node.line))
    for tag, entries in by_tag.items():
        yield from _report(tag, entries, file)
    if container.kind is not Kind.MUTING_PERMISSION_SET:
        fields = container.field_permissions
        if not all(map(attrgetter("readable"), fields)):
            for field in fields:
                if field.editable and not field.readable:
                    yield _field_finding(file, field.line, field.field)


def _field_finding(file: str, line: int, field: str) -> Finding:
    return make("AO206", file, line, f"{field} is editable but not readable")


# -- XML -----------------------------------------------------------------------------------


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _value(entry: etree._Element, cut: int) -> tuple[tuple[str, Any], ...]:
    """Return an entry's children as a sorted tuple, to compare entries for conflicts."""
    return tuple(
        sorted(
            (c.tag[cut:], etree.tostring(c) if len(c) else _text(c))
            for c in entry
            if isinstance(c.tag, str)
        )
    )


def _key_of(entry: etree._Element, keys: tuple[str, ...]) -> tuple[str, ...]:
    """Return an entry's key; ``keys`` are qualified (``()``: the entry's own text)."""
    if not keys:
        return (_text(entry),)
    if len(keys) == 1:
        key, text = keys[0], None
        for child in entry:  # the last one wins (a valid entry has one)
            if child.tag == key:
                text = child.text
        return ((text or "").strip(),)
    # Only elements have string tags, so other nodes never match a key.
    found: dict[object, str | None] = {c.tag: c.text for c in entry}
    return tuple([(found.get(k) or "").strip() for k in keys])


def _slow_entries(root: etree._Element, ns: str, tag: str) -> list[_Entry]:
    """Return ``tag``'s entries with keys; values only for keys that repeat (the rare case)."""
    return _keyed(list(root.iterchildren(ns + tag)), ns, tag)


def _keyed(elements: list[etree._Element], ns: str, tag: str) -> list[_Entry]:
    """Return the entries of ``elements`` (all ``tag``) whose keys repeat, with their values."""
    keys = _qualified_keys(ns, tag)
    pairs = [(_key_of(e, keys), e) for e in elements]
    seen: set[tuple[str, ...]] = set()
    repeated = {k for k, _ in pairs if k in seen or seen.add(k)}  # type: ignore[func-returns-value]
    cut = len(ns)
    return [
        _Entry(key, _value(entry, cut), line_of(entry)) for key, entry in pairs if key in repeated
    ]


@lru_cache(maxsize=256)
def _qualified_keys(ns: str, tag: str) -> tuple[str, ...]:
    return tuple(ns + k for k in ENTRY_KEYS[tag])


def _all_distinct(texts: list[str | None]) -> bool:
    """Return True when no two texts are equal once stripped (C-level loops only).

    Stripping 100,000 texts one by one costs more than everything else here, and keys almost
    never carry surrounding whitespace: when the raw texts are distinct and none holds any
    whitespace at all (one join and four substring searches tell), stripping changes nothing.
    """
    if len(set(texts)) != len(texts) or None in texts:
        return False
    joined = "\x00".join(texts)  # type: ignore[arg-type]  # XML text never holds NUL
    # Of the ASCII characters str.strip removes, XML allows only these four.
    if joined.isascii() and not any(space in joined for space in " \t\n\r"):
        return True
    return len(set(map(str.strip, texts))) == len(texts)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, eq=False)
class EntryPlan:
    """How to check the entry tags of one document type (see ``entry_plan``; plans are cached,
    so they compare and hash by identity)."""

    #: Namespace prefix, ``{...}`` or empty.
    ns: str
    #: Qualified ``field`` when fieldPermissions' key occurs nowhere else, else None.
    field_key: str | None
    #: Qualified key element -> entry tag, for the other tags whose single key element occurs
    #: nowhere else.
    keys: dict[str, str]
    #: The other entry tags: qualified tag -> tag.
    slow: dict[str, str]


@lru_cache(maxsize=64)
def entry_plan(ns: str, unique: tuple[tuple[str, str], ...], skip: frozenset[str]) -> EntryPlan:
    """Return the plan for documents with namespace ``ns``; ``unique`` as ``unique_children``
    gives it (empty when the document is not schema-valid: then every tag goes the slow way)."""
    owners = dict(unique)
    field_key: str | None = None
    keys: dict[str, str] = {}
    slow: dict[str, str] = {}
    for tag, key in ENTRY_KEYS.items():
        if tag in skip:
            continue
        if len(key) == 1 and owners.get(key[0]) == tag:
            if tag == "fieldPermissions":
                field_key = ns + key[0]
            else:
                keys[ns + key[0]] = tag
        else:
            slow[ns + tag] = tag
    return EntryPlan(ns, field_key, keys, slow)


def xml_entry_findings(
    root: etree._Element,
    *,
    kind: Kind,
    plan: EntryPlan,
    file: str,
    data: bytes | None = None,
) -> list[Finding]:
    """Return duplicate and field findings for a parsed document (``data``: its raw bytes,
    which let the field rule count instead of read on a schema-valid document).

    Every lxml call that hands an element to Python costs a fraction of a microsecond, and a
    big file has 100,000 entries, so this reads as little as it can. On a schema-valid
    document the key texts of fieldPermissions come from one C-level ``iter`` and those of
    every other tag whose key element is its own from a second one; all distinct (the usual
    case) settles them. Only a repeat sends the tags involved down the slow path that finds
    lines and values. ``plan.slow`` tags present (one pass over the root's children tells)
    take the slow path.
    """
    found: list[Finding] = []
    fields: list[str | None] | None = None
    if plan.field_key is not None:
        fields = texts = [e.text for e in root.iter(plan.field_key)]
        if texts and not _all_distinct(texts):
            found += _report(
                "fieldPermissions", _slow_entries(root, plan.ns, "fieldPermissions"), file
            )
    if plan.keys:
        texts = [e.text for e in root.iter(*plan.keys)]
        if texts and not _all_distinct(texts):
            found += _repeated_keys(root, plan, file)
    if plan.slow:
        groups = _group_children(root, plan.slow)
        for qualified, tag in plan.slow.items():
            elements = groups.get(qualified)
            if elements:
                found += _report(tag, _keyed(elements, plan.ns, tag), file)
    if kind is not Kind.MUTING_PERMISSION_SET:
        found += _xml_fields(root, plan.ns, fields, file, data)
    return found


def _group_children(root: etree._Element, tags: Iterable[str]) -> dict[str, list[etree._Element]]:
    """Return the root's children whose qualified tag is one of ``tags``, by tag, in document
    order (one C-level pass over the root's children)."""
    grouped: dict[str, list[etree._Element]] = {}
    for child in root.iterchildren(*tags):
        tag: str = child.tag
        found = grouped.get(tag)
        if found is None:
            grouped[tag] = [child]
        else:
            found.append(child)
    return grouped


def _repeated_keys(root: etree._Element, plan: EntryPlan, file: str) -> list[Finding]:
    """Report the tags of ``plan.keys`` whose keys repeat (a key may also recur across tags,
    which is no finding: then each tag is checked on its own)."""
    by_tag: dict[str, list[str | None]] = {}
    for element in root.iter(*plan.keys):
        by_tag.setdefault(plan.keys[element.tag], []).append(element.text)
    found: list[Finding] = []
    for tag, texts in by_tag.items():
        if not _all_distinct(texts):
            found += _report(tag, _slow_entries(root, plan.ns, tag), file)
    return found


def _xml_fields(
    root: etree._Element,
    ns: str,
    fields: list[str | None] | None,
    file: str,
    data: bytes | None = None,
) -> list[Finding]:
    """Report editable-but-not-readable fields; ``fields`` are the field texts of a valid
    document, in document order (None: take the general way)."""
    if fields is not None:
        count = len(fields)
        if count == 0:
            return []
        if data is not None and _literal_counts(root, data):
            # Every entry readable, or none editable: nothing to report.
            if data.count(b"<readable>true</readable>") == count:
                return []
            if data.count(b"<editable>false</editable>") == count:
                return []
        readable = [r.text for r in root.iter(ns + "readable")]
        # A valid entry holds one editable and at most one readable: as many readable as
        # entries puts the k-th of each list in the k-th entry.
        if len(readable) == count:
            if readable.count("true") == count:
                return []
            editable = [e.text for e in root.iter(ns + "editable")]
            if len(editable) == count:
                bad = _bad_fields(editable, readable)
                if not bad:
                    return []
                entries = list(root.iterchildren(ns + "fieldPermissions"))
                return [_field_finding(file, line_of(entries[i]), stripped(fields[i])) for i in bad]
    return [
        _field_finding(file, line_of(entry), _text(entry.find(ns + "field")))
        for entry in root.iterchildren(ns + "fieldPermissions")
        if _text(entry.find(ns + "editable")) in _TRUE
        and _text(entry.find(ns + "readable")) not in _TRUE
    ]


def _bad_fields(editable: list[str | None], readable: list[str | None]) -> list[int]:
    """Return the indexes where ``editable`` is true and ``readable`` is not (aligned lists).

    Plain ``true``/``false`` texts (the usual case) are compared in C-level maps; anything
    else (``1``, padded or empty text) takes a loop that reads it as xsd:boolean.
    """
    if _PLAIN_FLAGS.issuperset(editable) and _PLAIN_FLAGS.issuperset(readable):
        writable = map(_IS_TRUE, editable)
        unreadable = map(_IS_NOT_TRUE, readable)
        return list(compress(indexes(), map(and_, writable, unreadable)))
    return [
        index
        for index, (e, r) in enumerate(zip(editable, readable, strict=True))
        if truth(e) and not truth(r)
    ]


_PLAIN_FLAGS = frozenset({"true", "false"})
_IS_TRUE = "true".__eq__
_IS_NOT_TRUE = "true".__ne__


def _literal_counts(root: etree._Element, data: bytes) -> bool:
    """Tell whether counting a literal element in ``data`` counts elements of the tree.

    The bytes must be UTF-8 (or ASCII) and hold no ``!`` (so no comment, CDATA section or
    DOCTYPE) and no ``?`` but the XML declaration's (so no processing instruction): then every
    ``<x>`` in them is the start tag of an element x without attributes or prefix, since text
    and attribute values cannot hold a raw ``<``. In a schema-valid document every element is
    a metadata element where the schema puts it, so ``<readable>true</readable>`` counted n
    times in a document of n fieldPermissions is one readable "true" in each. Single-byte
    searches run at memory speed; the whole check costs a few microseconds.
    """
    encoding = root.getroottree().docinfo.encoding
    if encoding is None or encoding.upper() not in _BYTE_ENCODINGS or b"!" in data:
        return False
    first = data.find(b"?")
    if first == -1:
        return True
    if not data.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")):
        return False
    end = data.find(b"?", first + 1)
    return data.startswith(b"?>", end) and data.find(b"?", end + 1) == -1


_BYTE_ENCODINGS = frozenset({"UTF-8", "ASCII", "US-ASCII"})
