"""The entry rules straight on parsed XML: duplicates (AO401/AO402) and edit-needs-read (AO206).

On a schema-valid document they touch only the key elements through lxml's C-level tag filter
instead of building 100,000 dataclasses; ``entry_rules`` holds the same rules on the model, and
tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from itertools import count as indexes
from operator import and_
from typing import Any

from lxml import etree

from apionly_deploy.check.entry_rules import ENTRY_KEYS, Entry, field_finding, report
from apionly_deploy.check.rules import Finding
from apionly_deploy.model.components import Kind
from apionly_deploy.model.xmlread import canonical_boolean, line_of, stripped, truth


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _value(entry: etree._Element, cut: int) -> tuple[tuple[str, Any], ...]:
    """Return an entry's children as a sorted tuple, to compare entries for conflicts
    (boolean literals read as the model reads them: ``0`` and ``false`` agree)."""
    return tuple(
        sorted(
            (c.tag[cut:], etree.tostring(c) if len(c) else canonical_boolean(_text(c)))
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


def _slow_entries(root: etree._Element, ns: str, tag: str) -> list[Entry]:
    """Return ``tag``'s entries with keys; values only for keys that repeat (the rare case)."""
    return _keyed(list(root.iterchildren(ns + tag)), ns, tag)


def _keyed(elements: list[etree._Element], ns: str, tag: str) -> list[Entry]:
    """Return the entries of ``elements`` (all ``tag``) whose keys repeat, with their values."""
    keys = _qualified_keys(ns, tag)
    pairs = [(_key_of(e, keys), e) for e in elements]
    seen: set[tuple[str, ...]] = set()
    repeated = {k for k, _ in pairs if k in seen or seen.add(k)}  # type: ignore[func-returns-value]
    cut = len(ns)
    return [
        Entry(key, _value(entry, cut), line_of(entry)) for key, entry in pairs if key in repeated
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
) -> list[Finding]:
    """Return duplicate and field findings for a parsed document.

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
            found += report(
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
                found += report(tag, _keyed(elements, plan.ns, tag), file)
    if kind is not Kind.MUTING_PERMISSION_SET:
        found += _xml_fields(root, plan.ns, fields, file)
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
            found += report(tag, _slow_entries(root, plan.ns, tag), file)
    return found


def _xml_fields(
    root: etree._Element,
    ns: str,
    fields: list[str | None] | None,
    file: str,
) -> list[Finding]:
    """Report editable-but-not-readable fields; ``fields`` are the field texts of a valid
    document, in document order (None: take the general way)."""
    if fields is not None:
        count = len(fields)
        if count == 0:
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
                return [field_finding(file, line_of(entries[i]), stripped(fields[i])) for i in bad]
    return [
        field_finding(file, line_of(entry), _text(entry.find(ns + "field")))
        for entry in root.iterchildren(ns + "fieldPermissions")
        if truth(_text(entry.find(ns + "editable")))
        and not truth(_text(entry.find(ns + "readable")))
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
