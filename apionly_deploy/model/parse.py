"""Read Profile / PermissionSet / MutingPermissionSet / PermissionSetGroup XML into the model."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from apionly_deploy.errors import XmlError
from apionly_deploy.model import names, xmlread
from apionly_deploy.model.components import (
    Access,
    Component,
    FieldPermission,
    Kind,
    LoginHours,
    LoginIpRange,
    Node,
    ObjectPermission,
    PermissionContainer,
    PermissionSetGroup,
    RecordTypeVisibility,
    TabSetting,
    UserPermission,
)
from apionly_deploy.model.xmldoc import METADATA_NS, local_name, parse_bytes, parse_file
from apionly_deploy.model.xmlread import line_of, opt_truth, truth

_KINDS = {kind.value: kind for kind in Kind}
#: Root tags as lxml spells them (namespaced or bare) -> Kind.
_ROOT_TAGS = {f"{{{METADATA_NS}}}{name}": kind for name, kind in _KINDS.items()} | _KINDS


def kind_of_root(root: etree._Element) -> Kind | None:
    """Return the Kind a document root declares, or None when it is not a permission type."""
    tag = root.tag
    return _ROOT_TAGS.get(tag) if isinstance(tag, str) else None


def parse_component_file(path: Path, *, name: str | None = None) -> Component:
    """Parse a permission file; the component name comes from ``name`` or the file name."""
    root = parse_file(path)
    return parse_component(root, name=name or names.component_name(path.name), source=str(path))


def parse_component_bytes(data: bytes, *, name: str, source: str = "<input>") -> Component:
    """Parse permission XML held in memory."""
    return parse_component(parse_bytes(data, source=source), name=name, source=source)


def parse_component(root: etree._Element, *, name: str, source: str) -> Component:
    """Turn a parsed document root into a model component."""
    kind = kind_of_root(root)
    if kind is None:
        line = line_of(root) or 1
        problem = (
            f"<{local_name(root)}> is not a Profile, PermissionSet, MutingPermissionSet or "
            "PermissionSetGroup"
        )
        raise XmlError.at(source, problem, line=line, column=1)
    full_name = root.find(f"{{{METADATA_NS}}}fullName")
    if full_name is not None and full_name.text:
        name = full_name.text.strip()
    if kind is Kind.PERMISSION_SET_GROUP:
        return _parse_group(root, name=name, source=source)
    return _parse_container(root, kind=kind, name=name, source=source)


def _children(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        if isinstance(child.tag, str):
            yield child


def _fields(element: etree._Element) -> dict[str, str]:
    # One pass without helper calls: this runs once per entry, 50,000 times for a big profile.
    fields = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            fields[tag.rpartition("}")[2]] = (child.text or "").strip()
    return fields


def _node(element: etree._Element) -> Node:
    kids = tuple(_node(c) for c in _children(element))
    text = None if kids else (element.text or "").strip()
    return Node(tag=local_name(element), text=text, children=kids, line=line_of(element))


def _user_permission(f: dict[str, str], line: int) -> UserPermission:
    return UserPermission(name=f.get("name", ""), enabled=truth(f.get("enabled")), line=line)


def object_permission(f: Mapping[str, str], line: int) -> ObjectPermission:
    """Return an object permission from its children's texts (by tag, padded or not)."""
    return ObjectPermission(
        object=f.get("object", "").strip(),
        read=truth(f.get("allowRead")),
        create=truth(f.get("allowCreate")),
        edit=truth(f.get("allowEdit")),
        delete=truth(f.get("allowDelete")),
        view_all=truth(f.get("viewAllRecords")),
        modify_all=truth(f.get("modifyAllRecords")),
        view_all_fields=opt_truth(f.get("viewAllFields")),
        customize_setup=opt_truth(f.get("customizeSetup")),
        delete_setup=opt_truth(f.get("deleteSetup")),
        view_setup=opt_truth(f.get("viewSetup")),
        line=line,
    )


def _field_permission(f: dict[str, str], line: int) -> FieldPermission:
    return FieldPermission(
        field=f.get("field", ""),
        readable=truth(f.get("readable")),
        editable=truth(f.get("editable")),
        line=line,
    )


_FIELD_PERMISSIONS = f"{{{METADATA_NS}}}fieldPermissions"
_FIELD = f"{{{METADATA_NS}}}field"
_READABLE = f"{{{METADATA_NS}}}readable"
_EDITABLE = f"{{{METADATA_NS}}}editable"


def _fast_field_permission(element: etree._Element, line: int) -> FieldPermission:
    """Return ``_field_permission(_fields(element), line)`` for the usual shape, quicker.

    Anything else (another namespace, an unknown child) goes the general way.
    """
    field = readable = editable = None
    for child in element:
        tag = child.tag
        if tag == _FIELD:
            field = child.text
        elif tag == _READABLE:
            readable = child.text
        elif tag == _EDITABLE:
            editable = child.text
        elif isinstance(tag, str):
            return _field_permission(_fields(element), line)
    return FieldPermission(
        field=(field or "").strip(),
        readable=truth(readable),
        editable=truth(editable),
        line=line,
    )


def _access(key: str) -> Callable[[dict[str, str], int], Access]:
    def build(f: dict[str, str], line: int) -> Access:
        return Access(name=f.get(key, ""), enabled=truth(f.get("enabled")), line=line)

    return build


def _tab(f: dict[str, str], line: int) -> TabSetting:
    return TabSetting(tab=f.get("tab", ""), visibility=f.get("visibility", ""), line=line)


def _record_type(f: dict[str, str], line: int) -> RecordTypeVisibility:
    return RecordTypeVisibility(
        record_type=f.get("recordType", ""),
        visible=truth(f.get("visible")),
        default=opt_truth(f.get("default")),
        person_account_default=opt_truth(f.get("personAccountDefault")),
        line=line,
    )


def _ip_range(f: dict[str, str], line: int) -> LoginIpRange:
    return LoginIpRange(
        start=f.get("startAddress", ""),
        end=f.get("endAddress", ""),
        description=f.get("description"),
        line=line,
    )


_ENTRY_PARSERS: dict[str, tuple[str, Callable[[dict[str, str], int], Any]]] = {
    "userPermissions": ("user_permissions", _user_permission),
    "objectPermissions": ("object_permissions", object_permission),
    "fieldPermissions": ("field_permissions", _field_permission),
    "classAccesses": ("class_accesses", _access("apexClass")),
    "pageAccesses": ("page_accesses", _access("apexPage")),
    "customPermissions": ("custom_permissions", _access("name")),
    "tabSettings": ("tabs", _tab),
    "tabVisibilities": ("tabs", _tab),
    "recordTypeVisibilities": ("record_types", _record_type),
    "loginIpRanges": ("login_ip_ranges", _ip_range),
}
_TEXT_FIELDS = {
    "label": "label",
    "description": "description",
    "license": "license",
    "userLicense": "user_license",
}
_BOOL_FIELDS = {"custom": "custom", "hasActivationRequired": "has_activation_required"}

#: The children each typed entry reads; an entry holding anything else (``hidden`` on an old
#: field permission, ``viewSetup`` on an object) is kept whole as a Node, so nothing is lost.
_ENTRY_CHILDREN = {
    "userPermissions": frozenset({"enabled", "name"}),
    "objectPermissions": frozenset(
        {
            *("allowCreate", "allowDelete", "allowEdit", "allowRead", "modifyAllRecords"),
            *("object", "viewAllFields", "viewAllRecords"),
            *("customizeSetup", "deleteSetup", "viewSetup"),
        }
    ),
    "fieldPermissions": frozenset({"editable", "field", "readable"}),
    "classAccesses": frozenset({"apexClass", "enabled"}),
    "pageAccesses": frozenset({"apexPage", "enabled"}),
    "customPermissions": frozenset({"enabled", "name"}),
    "tabSettings": frozenset({"tab", "visibility"}),
    "tabVisibilities": frozenset({"tab", "visibility"}),
    "recordTypeVisibilities": frozenset(
        {"default", "personAccountDefault", "recordType", "visible"}
    ),
    "loginIpRanges": frozenset({"description", "endAddress", "startAddress"}),
}
#: What the templates write for each kind: an element typed for another kind is kept as a Node.
_PROFILE_ONLY = frozenset(
    {"tabVisibilities", "loginIpRanges", "loginHours", "custom", "userLicense"}
)
_SET_ONLY = frozenset({"tabSettings", "label", "license", "hasActivationRequired"})


def _typed(child: etree._Element, tag: str, kind: Kind) -> bool:
    """Tell whether ``child`` fits its typed model field exactly (else it stays a Node)."""
    if tag in (_SET_ONLY if kind is Kind.PROFILE else _PROFILE_ONLY):
        return False
    allowed = _ENTRY_CHILDREN.get(tag)
    if allowed is None:
        return True
    seen: set[str] = set()
    for grandchild in _children(child):
        if grandchild.text is not None and len(grandchild):
            return False
        name = local_name(grandchild)
        if name not in allowed or name in seen:
            return False
        seen.add(name)
    return True


def _parse_container(
    root: etree._Element, *, kind: Kind, name: str, source: str
) -> PermissionContainer:
    lists: dict[str, list[Any]] = {attr: [] for attr, _ in _ENTRY_PARSERS.values()}
    values: dict[str, Any] = {}
    extras: list[Node] = []
    field_permissions = lists["field_permissions"]
    block = xmlread.field_entries(root)
    if block is not None:
        field_permissions += block[0]
    for child in block[1] if block is not None else _children(root):
        if (
            child.tag == _FIELD_PERMISSIONS
            and len(child)
            and _typed(child, "fieldPermissions", kind)
        ):
            field_permissions.append(_fast_field_permission(child, line_of(child)))
            continue
        tag = local_name(child)
        line = line_of(child)
        if not _typed(child, tag, kind):
            extras.append(_node(child))
        elif tag in _ENTRY_PARSERS and len(child):
            attr, build = _ENTRY_PARSERS[tag]
            lists[attr].append(build(_fields(child), line))
        elif tag in _TEXT_FIELDS and not len(child) and _TEXT_FIELDS[tag] not in values:
            values[_TEXT_FIELDS[tag]] = child.text or ""
        elif tag in _BOOL_FIELDS and not len(child):
            values[_BOOL_FIELDS[tag]] = truth((child.text or "").strip())
        elif tag == "loginHours":
            hours = tuple((k, v) for k, v in _fields(child).items())
            values["login_hours"] = LoginHours(hours=hours, line=line)
        elif tag != "fullName":
            extras.append(_node(child))
    values.update({attr: tuple(items) for attr, items in lists.items()})
    return PermissionContainer(kind=kind, name=name, extras=tuple(extras), source=source, **values)


def _parse_group(root: etree._Element, *, name: str, source: str) -> PermissionSetGroup:
    sets: list[str] = []
    muting: list[str] = []
    values: dict[str, Any] = {}
    extras: list[Node] = []
    for child in _children(root):
        tag = local_name(child)
        text = (child.text or "").strip()
        if tag == "permissionSets":
            sets.append(text)
        elif tag == "mutingPermissionSets":
            muting.append(text)
        elif tag in ("label", "description", "status"):
            values[tag] = child.text or ""
        elif tag == "hasActivationRequired":
            values["has_activation_required"] = truth(text)
        elif tag != "fullName":
            extras.append(_node(child))
    return PermissionSetGroup(
        name=name,
        permission_sets=tuple(sets),
        muting_permission_sets=tuple(muting),
        extras=tuple(extras),
        source=source,
        **values,
    )
