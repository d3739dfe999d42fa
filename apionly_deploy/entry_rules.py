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
from operator import attrgetter
from typing import Any

from lxml import etree

from apionly_deploy.model import Component, Kind, Node, PermissionContainer, PermissionSetGroup
from apionly_deploy.rules import Finding, make
from apionly_deploy.scan import line_of

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


def _key_of(entry: etree._Element, keys: tuple[str, ...], cut: int) -> tuple[str, ...]:
    if not keys:
        return (_text(entry),)
    found = {c.tag[cut:]: c.text for c in entry if isinstance(c.tag, str)}
    return tuple((found.get(k) or "").strip() for k in keys)


def _slow_entries(root: etree._Element, ns: str, tag: str) -> list[_Entry]:
    """Return ``tag``'s entries with keys; values only for keys that repeat (the rare case)."""
    keys, cut = ENTRY_KEYS[tag], len(ns)
    pairs = [(_key_of(e, keys, cut), e) for e in root.iterchildren(ns + tag)]
    seen: set[tuple[str, ...]] = set()
    repeated = {k for k, _ in pairs if k in seen or seen.add(k)}  # type: ignore[func-returns-value]
    return [
        _Entry(key, _value(entry, cut), line_of(entry)) for key, entry in pairs if key in repeated
    ]


def _all_distinct(texts: list[str | None]) -> bool:
    """Return True when no two texts are equal once stripped (C-level loops only)."""
    if None in texts:
        return False
    return len(set(map(str.strip, texts))) == len(texts)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """How to check the entry tags of one document type (see ``entry_plan``)."""

    #: Namespace prefix, ``{...}`` or empty.
    ns: str
    #: Entry tags whose single key element occurs nowhere else: (tag, qualified tag, key).
    fast: tuple[tuple[str, str, str], ...]
    #: The other entry tags, qualified.
    slow: tuple[tuple[str, str], ...]

    @property
    def slow_tags(self) -> tuple[str, ...]:
        """Return the qualified slow tags."""
        return tuple(qualified for _, qualified in self.slow)


@lru_cache(maxsize=64)
def entry_plan(ns: str, unique: tuple[tuple[str, str], ...], skip: frozenset[str]) -> EntryPlan:
    """Return the plan for documents with namespace ``ns``; ``unique`` as ``unique_children``
    gives it (empty when the document is not schema-valid: then every tag goes the slow way)."""
    owners = dict(unique)
    fast: list[tuple[str, str, str]] = []
    slow: list[tuple[str, str]] = []
    for tag, keys in ENTRY_KEYS.items():
        if tag in skip:
            continue
        if len(keys) == 1 and owners.get(keys[0]) == tag:
            fast.append((tag, ns + tag, ns + keys[0]))
        else:
            slow.append((tag, ns + tag))
    return EntryPlan(ns, tuple(fast), tuple(slow))


def xml_entry_findings(
    root: etree._Element, *, kind: Kind, plan: EntryPlan, file: str
) -> list[Finding]:
    """Return duplicate and field findings for a parsed document.

    On a schema-valid document the keys of each ``plan.fast`` tag are read with one C-level
    ``iter``; only a repeated key sends a tag down the slow path that finds lines and values.
    ``plan.slow`` tags take the slow path when present (one multi-tag ``iterchildren`` tells if
    any is). Fewer lxml calls per document beat finer checks: each costs microseconds.
    """
    found: list[Finding] = []
    field_count: int | None = None
    for tag, _qualified, key in plan.fast:
        texts = [e.text for e in root.iter(key)]
        if tag == "fieldPermissions":
            field_count = len(texts)
        if texts and not _all_distinct(texts):
            found += _report(tag, _slow_entries(root, plan.ns, tag), file)
    slow = plan.slow_tags
    if slow and next(root.iterchildren(*slow), None) is None:
        slow = ()
    for tag, qualified in plan.slow if slow else ():
        if next(root.iterchildren(qualified), None) is not None:
            found += _report(tag, _slow_entries(root, plan.ns, tag), file)
    if kind is not Kind.MUTING_PERMISSION_SET:
        found += _xml_fields(root, plan.ns, field_count, file)
    return found


def _xml_fields(root: etree._Element, ns: str, fields: int | None, file: str) -> list[Finding]:
    """Report editable-but-not-readable fields; ``fields`` is the entry count of a valid doc."""
    if fields == 0:
        return []
    if fields is not None:
        readable = [r.text for r in root.iter(ns + "readable")]
        if len(readable) == fields:
            if readable.count("true") == fields:
                return []
            editable = [e.text for e in root.iter(ns + "editable")]
            if not any(
                e != "false" and r != "true" and _strip(e) in _TRUE and _strip(r) not in _TRUE
                for e, r in zip(editable, readable, strict=True)
            ):
                return []
    return [
        _field_finding(file, line_of(entry), _text(entry.find(ns + "field")))
        for entry in root.iterchildren(ns + "fieldPermissions")
        if _text(entry.find(ns + "editable")) in _TRUE
        and _text(entry.find(ns + "readable")) not in _TRUE
    ]


def _strip(text: str | None) -> str:
    return (text or "").strip()
