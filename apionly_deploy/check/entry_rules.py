"""Rules over every entry of a file: duplicates (AO401/AO402) and field edit-needs-read (AO206).

They run on the model here (``model_entry_findings``) and straight on parsed XML in
``entry_xml`` (``xml_entry_findings``). Tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from apionly_deploy.check.rules import Finding, make
from apionly_deploy.model.components import (
    Component,
    Kind,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)
from apionly_deploy.model.elements import ELEMENTS

#: Entry tag -> the child elements that identify an entry (``()``: the element's own text).
ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "classAccesses": ("apexClass",),
    "customPermissions": ("name",),
    "fieldPermissions": ("field",),
    "loginIpRanges": ("startAddress", "endAddress"),
    "objectPermissions": ("object",),
    "pageAccesses": ("apexPage",),
    "recordTypeVisibilities": ("recordType",),
    "tabSettings": ("tab",),
    "tabVisibilities": ("tab",),
    "userPermissions": ("name",),
    # The untyped elements, keyed as model.elements says (login flows have no key).
    **{element.tag: element.identity for element in ELEMENTS if element.keyed},
    "mutingPermissionSets": (),
    "permissionSets": (),
}


@dataclass(frozen=True, slots=True)
class Entry:
    key: tuple[str, ...]
    value: Any
    line: int


def report(tag: str, entries: Iterable[Entry], file: str) -> Iterator[Finding]:
    first: dict[tuple[str, ...], Entry] = {}
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


def _modelreport(tag: str, items: Sequence[Any], keys: tuple[str, ...], file: str) -> list[Finding]:
    """Report repeated keys of ``items``; distinct keys (the usual case) cost one C-level set."""
    if len(set(map(attrgetter(*keys), items))) == len(items):
        return []
    entries = (Entry(tuple(getattr(e, k) for k in keys), e, e.line) for e in items)
    return list(report(tag, entries, file))


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
            found += report(tag, (Entry((n,), n, 0) for n in names), file)
        return found
    return list(_container_entries(component, file))


def _container_entries(container: PermissionContainer, file: str) -> Iterator[Finding]:
    for attr, tag, attrs in _MODEL_LISTS:
        yield from _modelreport(tag, getattr(container, attr), attrs, file)
    tab_tag = "tabVisibilities" if container.kind is Kind.PROFILE else "tabSettings"
    yield from _modelreport(tab_tag, container.tabs, ("tab",), file)
    by_tag: dict[str, list[Entry]] = {}
    for node in container.extras:
        keys = ENTRY_KEYS.get(node.tag)
        if keys:
            by_tag.setdefault(node.tag, []).append(Entry(_node_key(node, keys), node, node.line))
    for tag, entries in by_tag.items():
        yield from report(tag, entries, file)
    if container.kind is not Kind.MUTING_PERMISSION_SET:
        fields = container.field_permissions
        if not all(map(attrgetter("readable"), fields)):
            for field in fields:
                if field.editable and not field.readable:
                    yield field_finding(file, field.line, field.field)


def field_finding(file: str, line: int, field: str) -> Finding:
    return make("AO206", file, line, f"{field} is editable but not readable")
