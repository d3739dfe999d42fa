"""The local org's own XML writer for permission components (what a retrieve sends back).

It shares nothing with the client's Jinja renderer, so a rendering bug in the client shows up
in a round trip against the local org instead of being mirrored by it. Elements come out the
way Salesforce writes retrieved metadata: alphabetical by element, entries sorted by key,
four-space indentation, ``&quot;`` and ``&apos;`` escaped.
"""

from __future__ import annotations

from collections.abc import Iterator

from apionly_deploy.model.components import (
    Component,
    LoginHours,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)
from apionly_deploy.model.merge import canonical

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})

#: (element, children): a child is (tag, value) with None values left out.
_Element = tuple[str, list[tuple[str, object]]]


def component_xml(component: Component) -> bytes:
    """Return the XML the org holds for ``component``."""
    if isinstance(component, PermissionSetGroup):
        component = canonical(component)
        elements = list(_group_elements(component))
    else:
        component = canonical(component)
        elements = list(_container_elements(component))
    nodes = [_element_node(tag, children) for tag, children in elements]
    nodes += list(component.extras)
    nodes.sort(key=lambda node: node.tag)  # stable: entries keep their key order
    body = "".join(_node_text(node, 1) for node in nodes)
    kind = component.kind.value
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{kind} xmlns="{METADATA_NS}">\n{body}</{kind}>\n'
    )
    return text.encode("utf-8")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element_node(tag: str, children: list[tuple[str, object]]) -> Node:
    if not children:
        return Node(tag)
    if children[0][0] == "":  # a text-only element
        return Node(tag, _value(children[0][1]))
    return Node(tag, None, tuple(Node(t, _value(v)) for t, v in children if v is not None))


def _node_text(node: Node, depth: int) -> str:
    pad = "    " * depth
    if node.children:
        inner = "".join(_node_text(child, depth + 1) for child in node.children)
        return f"{pad}<{node.tag}>\n{inner}{pad}</{node.tag}>\n"
    if not node.text:
        return f"{pad}<{node.tag}/>\n"
    return f"{pad}<{node.tag}>{node.text.translate(_ESCAPES)}</{node.tag}>\n"


def _text(tag: str, value: object) -> Iterator[_Element]:
    if value is not None:
        yield tag, [("", value)]


def _group_elements(group: PermissionSetGroup) -> Iterator[_Element]:
    yield from _text("description", group.description)
    yield from _text("hasActivationRequired", group.has_activation_required)
    yield from _text("label", group.label)
    for name in sorted(group.muting_permission_sets):
        yield "mutingPermissionSets", [("", name)]
    for name in sorted(group.permission_sets):
        yield "permissionSets", [("", name)]
    yield from _text("status", group.status)


def _container_elements(c: PermissionContainer) -> Iterator[_Element]:
    profile = c.kind.value == "Profile"
    for a in c.class_accesses:
        yield "classAccesses", [("apexClass", a.name), ("enabled", a.enabled)]
    yield from _text("custom", c.custom if profile else None)
    for a in c.custom_permissions:
        yield "customPermissions", [("enabled", a.enabled), ("name", a.name)]
    yield from _text("description", c.description)
    for f in c.field_permissions:
        yield (
            "fieldPermissions",
            [("editable", f.editable), ("field", f.field), ("readable", f.readable)],
        )
    yield from _text("hasActivationRequired", None if profile else c.has_activation_required)
    yield from _text("label", None if profile else c.label)
    yield from _text("license", None if profile else c.license)
    if profile and c.login_hours is not None:
        yield _login_hours(c.login_hours)
    for r in c.login_ip_ranges:
        yield (
            "loginIpRanges",
            [("description", r.description), ("endAddress", r.end), ("startAddress", r.start)],
        )
    for o in c.object_permissions:
        yield (
            "objectPermissions",
            [
                ("allowCreate", o.create),
                ("allowDelete", o.delete),
                ("allowEdit", o.edit),
                ("allowRead", o.read),
                ("customizeSetup", o.customize_setup),
                ("deleteSetup", o.delete_setup),
                ("modifyAllRecords", o.modify_all),
                ("object", o.object),
                ("viewAllFields", o.view_all_fields),
                ("viewAllRecords", o.view_all),
                ("viewSetup", o.view_setup),
            ],
        )
    for a in c.page_accesses:
        yield "pageAccesses", [("apexPage", a.name), ("enabled", a.enabled)]
    for rt in c.record_types:
        fields: list[tuple[str, object]] = []
        if profile:
            fields += [
                ("default", bool(rt.default)),
                ("personAccountDefault", rt.person_account_default),
            ]
        yield (
            "recordTypeVisibilities",
            [*fields, ("recordType", rt.record_type), ("visible", rt.visible)],
        )
    tab_tag = "tabVisibilities" if profile else "tabSettings"
    for t in c.tabs:
        yield tab_tag, [("tab", t.tab), ("visibility", t.visibility)]
    yield from _text("userLicense", c.user_license if profile else None)
    for p in c.user_permissions:
        yield "userPermissions", [("enabled", p.enabled), ("name", p.name)]


def _login_hours(hours: LoginHours) -> _Element:
    return "loginHours", list(hours.hours)
