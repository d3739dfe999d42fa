"""What a permission file names must exist in the org, as a real org insists.

A real org refuses a permission set naming an Apex class, page, tab, app, layout, flow, record
type, custom permission, custom metadata type, custom setting, external data source or
external credential principal it does not have (``In field: apexClass - no ApexClass named X
found``). Standard components (objects, ``standard__`` apps, ``standard-`` tabs, the layouts
of standard objects) exist in every org. Elements the local org does not model (agents,
presence statuses, dataspaces...) are accepted as they are; docs/emulator.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from apionly_deploy.emulator.checks import CUSTOM, Problem, column_of
from apionly_deploy.model.components import Access, Node, PermissionContainer

#: How a real org names the type of a missing reference where it differs from the type.
_SHOWN_AS = {"ExternalCredentialPrincipal": "ExternalCredentialParameter"}


@dataclass(frozen=True, slots=True)
class Reference:
    """One name a file uses: the metadata type it must be, the child naming it, where."""

    type: str
    child: str
    name: str
    tag: str
    line: int


#: Untyped elements whose child names a component: tag -> (child, metadata type).
_NODE_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "applicationVisibilities": (("application", "CustomApplication"),),
    "layoutAssignments": (("layout", "Layout"), ("recordType", "RecordType")),
    "flowAccesses": (("flow", "Flow"),),
    "customMetadataTypeAccesses": (("name", "CustomObject"),),
    "customSettingAccesses": (("name", "CustomObject"),),
    "externalDataSourceAccesses": (("externalDataSource", "ExternalDataSource"),),
    "externalCredentialPrincipalAccesses": (
        ("externalCredentialPrincipal", "ExternalCredentialPrincipal"),
    ),
}


def references(component: PermissionContainer) -> Iterator[Reference]:
    """Yield every component name ``component`` refers to (standard objects' fields aside:
    the object checks cover those)."""
    typed: tuple[tuple[str, str, str, tuple[Access, ...]], ...] = (
        ("ApexClass", "apexClass", "classAccesses", component.class_accesses),
        ("ApexPage", "apexPage", "pageAccesses", component.page_accesses),
        ("CustomPermission", "name", "customPermissions", component.custom_permissions),
    )
    for type_name, child, tag, entries in typed:
        for entry in entries:
            yield Reference(type_name, child, entry.name, tag, entry.line)
    tab_tag = "tabVisibilities" if component.kind.value == "Profile" else "tabSettings"
    for tab in component.tabs:
        yield Reference("CustomTab", "tab", tab.tab, tab_tag, tab.line)
    for record_type in component.record_types:
        name = record_type.record_type
        yield Reference(
            "RecordType", "recordType", name, "recordTypeVisibilities", record_type.line
        )
    for node in component.extras:
        yield from _node_references(node)


def _node_references(node: Node) -> Iterator[Reference]:
    texts = {c.tag: (c.text or "").strip() for c in node.children}
    for child, type_name in _NODE_REFERENCES.get(node.tag, ()):
        if texts.get(child):
            yield Reference(type_name, child, texts[child], node.tag, node.line)


def is_standard(reference: Reference) -> bool:
    """Tell whether every org has the component (so nothing needs deploying first)."""
    name, kind = reference.name, reference.type
    if kind == "CustomApplication":
        return name.startswith("standard__")
    if kind == "CustomTab":
        return name.startswith("standard-")
    if kind == "Layout":
        return not CUSTOM.search(name.split("-", 1)[0])
    return False


def missing_references(
    component: PermissionContainer, xml: bytes, known: Mapping[str, frozenset[str]]
) -> list[Problem]:
    """Return a problem, in Salesforce's words, for each name the org does not have."""
    problems: list[Problem] = []
    for reference in references(component):
        if is_standard(reference) or reference.name in known.get(reference.type, frozenset()):
            continue
        type_name = _SHOWN_AS.get(reference.type, reference.type)
        problems.append(
            Problem(
                f"In field: {reference.child} - no {type_name} named {reference.name} found",
                reference.line,
                column_of(xml, reference.line, reference.tag),
            )
        )
    return problems
