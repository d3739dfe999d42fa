"""Salesforce's deploy semantics on the model: Profile patch by key, everything else replaced."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from apionly_deploy.model.components import (
    Access,
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
from apionly_deploy.model.merge import EXTRA_KEYS, canonical, deployed, extra_key, patch_profile


def profile(**fields: Any) -> PermissionContainer:
    return PermissionContainer(kind=Kind.PROFILE, name="Integration", **fields)


def node(tag: str, **children: str) -> Node:
    return Node(tag, children=tuple(Node(k, v) for k, v in children.items()))


#: (model list, entry with key A, entry with key A changed, entry with key B, with key C)
TYPED = [
    (
        "user_permissions",
        UserPermission("A"),
        UserPermission("A", False),
        UserPermission("B"),
        UserPermission("C"),
    ),
    (
        "object_permissions",
        ObjectPermission("A", read=True),
        ObjectPermission("A", edit=True),
        ObjectPermission("B", read=True),
        ObjectPermission("C", read=True),
    ),
    (
        "field_permissions",
        FieldPermission("X.A", readable=True),
        FieldPermission("X.A", readable=True, editable=True),
        FieldPermission("X.B"),
        FieldPermission("X.C"),
    ),
    ("class_accesses", Access("A"), Access("A", False), Access("B"), Access("C")),
    ("page_accesses", Access("A"), Access("A", False), Access("B"), Access("C")),
    ("custom_permissions", Access("A"), Access("A", False), Access("B"), Access("C")),
    (
        "tabs",
        TabSetting("A", "DefaultOn"),
        TabSetting("A", "Hidden"),
        TabSetting("B", "DefaultOff"),
        TabSetting("C", "DefaultOn"),
    ),
    (
        "record_types",
        RecordTypeVisibility("A"),
        RecordTypeVisibility("A", visible=False),
        RecordTypeVisibility("B"),
        RecordTypeVisibility("C", default=True),
    ),
]


@pytest.mark.parametrize(("attr", "a", "a_changed", "b", "c"), TYPED, ids=[t[0] for t in TYPED])
def test_typed_entries_are_patched_by_key(
    attr: str, a: Any, a_changed: Any, b: Any, c: Any
) -> None:
    """The file's entry replaces the org's with the same key; unnamed entries stay."""
    merged = patch_profile(profile(**{attr: (b, a)}), profile(**{attr: (c, a_changed)}))
    assert getattr(merged, attr) == (a_changed, b, c)


def test_an_entry_equal_but_for_its_line_is_the_same_entry() -> None:
    existing = profile(user_permissions=(UserPermission("ApiEnabled", line=4),))
    incoming = profile(user_permissions=(UserPermission("ApiEnabled", line=9),))
    assert patch_profile(existing, incoming).user_permissions == (UserPermission("ApiEnabled"),)


#: (tag, key children) for every keyed untyped element.
KEYED_EXTRAS = [(tag, fields) for tag, fields in EXTRA_KEYS.items()]


@pytest.mark.parametrize(("tag", "fields"), KEYED_EXTRAS, ids=[t for t, _ in KEYED_EXTRAS])
def test_keyed_extras_are_patched_by_tag_and_key(tag: str, fields: tuple[str, ...]) -> None:
    def entry(key: str, value: str) -> Node:
        return node(tag, **{f: f"{key}{i}" for i, f in enumerate(fields)}, visible=value)

    existing = profile(extras=(entry("a", "old"), entry("b", "old")))
    merged = patch_profile(existing, profile(extras=(entry("a", "new"), entry("c", "new"))))
    assert merged.extras == (entry("a", "new"), entry("b", "old"), entry("c", "new"))


def test_layout_assignments_are_keyed_by_layout_and_record_type() -> None:
    plain = node("layoutAssignments", layout="Account-Layout")
    typed = node("layoutAssignments", layout="Account-Layout", recordType="Account.Big")
    moved = node("layoutAssignments", layout="Account-Other", recordType="Account.Big")
    assert (extra_key(plain), extra_key(typed)) == (
        ("Account-Layout", ""),
        ("Account-Layout", "Account.Big"),
    )
    merged = patch_profile(profile(extras=(plain, typed)), profile(extras=(moved,)))
    assert merged.extras == (plain, typed, moved)
    again = patch_profile(merged, profile(extras=(typed,)))
    assert again.extras == (plain, typed, moved)


def test_unkeyed_extras_are_replaced_per_tag_when_the_file_has_the_tag() -> None:
    flow_a = node("loginFlows", flow="A", flowType="UI")
    flow_b = node("loginFlows", flow="B", flowType="UI")
    newer = Node("someNewerSetting", "on")
    existing = profile(extras=(flow_a, flow_b, newer))
    assert extra_key(flow_a) is None
    assert patch_profile(existing, profile(extras=(flow_b,))).extras == (flow_b, newer)
    assert patch_profile(existing, profile()).extras == (flow_a, flow_b, newer)


@pytest.mark.parametrize(
    ("attr", "old", "new"),
    [
        ("description", "old text", "new text"),
        ("description", "old text", ""),
        ("user_license", "Salesforce", "Salesforce Integration"),
        ("custom", True, False),
    ],
)
def test_scalars_take_the_file_value_when_it_has_one(attr: str, old: Any, new: Any) -> None:
    existing = profile(**{attr: old})
    assert getattr(patch_profile(existing, profile(**{attr: new})), attr) == new
    assert getattr(patch_profile(existing, profile()), attr) == old


def test_login_ip_ranges_are_replaced_as_a_whole_or_kept() -> None:
    office = LoginIpRange("203.0.113.0", "203.0.113.255", "office")
    vpn = LoginIpRange("198.51.100.1", "198.51.100.1")
    egress = LoginIpRange("192.0.2.10", "192.0.2.10", "ERP egress")
    existing = profile(login_ip_ranges=(office, vpn))
    assert patch_profile(existing, profile(login_ip_ranges=(egress,))).login_ip_ranges == (egress,)
    assert patch_profile(existing, profile()).login_ip_ranges == (office, vpn)


def test_login_hours_are_replaced_as_a_whole_or_kept() -> None:
    weekdays = LoginHours((("mondayEnd", "1080"), ("mondayStart", "480")))
    existing = profile(login_hours=weekdays)
    sunday = LoginHours((("sundayEnd", "60"), ("sundayStart", "0")))
    assert patch_profile(existing, profile(login_hours=sunday)).login_hours == sunday
    assert patch_profile(existing, profile(login_hours=LoginHours())).login_hours == LoginHours()
    assert patch_profile(existing, profile()).login_hours == weekdays


def test_patch_result_is_canonical_and_keeps_the_org_name() -> None:
    existing = profile(
        user_permissions=(UserPermission("B"),), extras=(node("flowAccesses", flow="Z"),)
    )
    incoming = dataclasses.replace(
        profile(user_permissions=(UserPermission("A"),), extras=(node("flowAccesses", flow="Y"),)),
        name="Other",
    )
    merged = patch_profile(existing, incoming)
    assert merged == canonical(merged)
    assert merged.name == "Integration"
    assert [p.name for p in merged.user_permissions] == ["A", "B"]


def test_patch_profile_refuses_other_kinds() -> None:
    permission_set = PermissionContainer(kind=Kind.PERMISSION_SET, name="Integration")
    with pytest.raises(ValueError, match="two Profiles"):
        patch_profile(profile(), permission_set)


@pytest.mark.parametrize("kind", [Kind.PERMISSION_SET, Kind.MUTING_PERMISSION_SET])
def test_permission_set_deploys_replace_the_whole_set(kind: Kind) -> None:
    old = PermissionContainer(
        kind=kind, name="ERP", label="ERP", user_permissions=(UserPermission("ApiEnabled"),)
    )
    new = PermissionContainer(
        kind=kind, name="ERP", user_permissions=(UserPermission("ViewSetup"),)
    )
    assert deployed(old, new) == new


def test_group_deploy_replaces_and_a_new_profile_is_taken_as_deployed() -> None:
    group = PermissionSetGroup(name="ERP", permission_sets=("A",))
    assert deployed(PermissionSetGroup(name="ERP", permission_sets=("B",)), group) == group
    new = profile(user_permissions=(UserPermission("B"), UserPermission("A")))
    assert deployed(None, new) == canonical(new)
    assert [p.name for p in canonical(new).user_permissions] == ["A", "B"]


def test_canonical_sorts_extras_by_tag_then_key_then_content() -> None:
    extras = (
        node("layoutAssignments", layout="B"),
        Node("zeta", "1"),
        node("layoutAssignments", layout="A", recordType="X"),
        node("applicationVisibilities", application="App", visible="true"),
        Node("zeta", "0"),
    )
    tags = [(n.tag, extra_key(n) or n.text) for n in canonical(profile(extras=extras)).extras]
    assert tags == [
        ("applicationVisibilities", ("App",)),
        ("layoutAssignments", ("A", "X")),
        ("layoutAssignments", ("B", "")),
        ("zeta", "0"),
        ("zeta", "1"),
    ]
