"""The semantic diff: per category, deploy semantics, and no noise from order or whitespace."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

from apionly_deploy.model.components import Component, Kind
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.review.diff import (
    PROFILE_OFF_NOTE,
    STAYS_NOTE,
    Action,
    Category,
    Change,
    diff_bundles,
    diff_components,
)

REAL = Path(__file__).resolve().parent / "fixtures" / "diff" / "real"
NS = "http://soap.sforce.com/2006/04/metadata"


def component(root: str, body: str, name: str = "X") -> Component:
    """Parse ``body`` wrapped in a ``root`` element (PermissionSet, Profile...)."""
    xml = f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NS}">{body}</{root}>'
    return parse_component_bytes(xml.encode(), name=name)


def changes(root: str, old: str, new: str) -> list[Change]:
    return diff_components(component(root, old), component(root, new))


def one(root: str, old: str, new: str) -> Change:
    found = changes(root, old, new)
    assert len(found) == 1, found
    return found[0]


def perm(name: str, enabled: bool) -> str:
    return f"<userPermissions><enabled>{str(enabled).lower()}</enabled><name>{name}</name></userPermissions>"


def obj(name: str, **flags: bool) -> str:
    tags = {
        "read": "allowRead",
        "create": "allowCreate",
        "edit": "allowEdit",
        "delete": "allowDelete",
        "view_all": "viewAllRecords",
        "modify_all": "modifyAllRecords",
    }
    inner = "".join(f"<{t}>{str(flags.get(k, False)).lower()}</{t}>" for k, t in tags.items())
    return f"<objectPermissions>{inner}<object>{name}</object></objectPermissions>"


def field(name: str, read: bool, edit: bool) -> str:
    return (
        f"<fieldPermissions><editable>{str(edit).lower()}</editable><field>{name}</field>"
        f"<readable>{str(read).lower()}</readable></fieldPermissions>"
    )


def ip(start: str, end: str, description: str = "") -> str:
    desc = f"<description>{description}</description>" if description else ""
    return f"<loginIpRanges>{desc}<endAddress>{end}</endAddress><startAddress>{start}</startAddress></loginIpRanges>"


def hours(**days: tuple[int, int]) -> str:
    inner = "".join(
        f"<{day}End>{end}</{day}End><{day}Start>{start}</{day}Start>"
        for day, (start, end) in days.items()
    )
    return f"<loginHours>{inner}</loginHours>"


# -- no noise -----------------------------------------------------------------------------------


def test_reordered_and_reindented_real_file_has_no_changes(tmp_path: Path) -> None:
    """Shuffling every entry and changing indentation of a real 132 KB set changes nothing."""
    source = REAL / "v1" / "permissionsets" / "AAAP_User.permissionset-meta.xml"
    root = etree.fromstring(source.read_bytes())
    children = list(root)
    random.Random(6).shuffle(children)  # noqa: S311 - a fixed, repeatable order
    for child in children:
        root.remove(child)
    for child in children:
        if len(child) == 0 and child.text:
            child.text = f"\n   {child.text}  "  # label, description, license...
        for leaf in child:
            leaf.tail = "\n\t\t  "
            leaf.text = f" {leaf.text} "
        root.append(child)
    shuffled = tmp_path / "AAAP_User.permissionset-meta.xml"
    shuffled.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert diff_components(parse_component_file(source), parse_component_file(shuffled)) == []


def test_whitespace_inside_text_values_is_not_a_change() -> None:
    assert (
        changes(
            "PermissionSet", "<label>ERP Integration</label>", "<label>  ERP\n Integration </label>"
        )
        == []
    )


def test_identical_components_have_no_changes() -> None:
    body = perm("ApiEnabled", True) + obj("Account", read=True) + field("Account.Name", True, False)
    assert changes("PermissionSet", body, body) == []


# -- deploy semantics ---------------------------------------------------------------------------


def test_permission_set_entry_dropped_is_a_revoke() -> None:
    change = one("PermissionSet", perm("ViewSetup", True), "")
    assert (change.action, change.revoked, change.note) == (Action.REVOKE, ("enabled",), None)


def test_profile_entry_dropped_stays_granted() -> None:
    change = one("Profile", perm("ViewSetup", True), "")
    assert change.action is Action.STAYS
    assert change.note == STAYS_NOTE == "stays granted in the org; set it to false to revoke"
    assert (change.before, change.after, change.revoked) == ("on", None, ())


def test_profile_entry_set_to_false_is_a_revoke() -> None:
    change = one("Profile", perm("ViewSetup", True), perm("ViewSetup", False))
    assert (change.action, change.revoked) == (Action.REVOKE, ("enabled",))


def test_profile_new_entry_that_is_off_may_revoke_what_the_org_has() -> None:
    change = one("Profile", "", field("Account.Rating", False, False))
    assert (change.action, change.note) == (Action.REVOKE, PROFILE_OFF_NOTE)


def test_permission_set_new_entry_that_is_off_is_not_a_change() -> None:
    assert changes("PermissionSet", "", field("Account.Rating", False, False)) == []


@pytest.mark.parametrize("root", ["PermissionSet", "Profile"])
def test_dropping_an_entry_that_granted_nothing_is_not_a_change(root: str) -> None:
    assert changes(root, field("Case.AssetWarrantyId", False, False), "") == []


def test_real_profile_pair_removes_only_an_all_false_entry() -> None:
    """ebikes-lwc removed a field entry with read=edit=false: nothing changes in the org."""
    name = "profiles/E-Bikes Profile.profile"
    assert (
        diff_components(
            parse_component_file(REAL / "v1" / name), parse_component_file(REAL / "v2" / name)
        )
        == []
    )


def test_real_permission_set_pair() -> None:
    name = "permissionsets/cer_Cooper_Parry_Certinia_Conga_Custom_Fields_SIN_SCR.permissionset-meta.xml"
    found = diff_components(
        parse_component_file(REAL / "v1" / name), parse_component_file(REAL / "v2" / name)
    )
    by_key = {c.key: c for c in found}
    assert len(found) == 21
    assert by_key["c2g__codaInvoice__c"].granted == ("create", "edit")
    assert by_key["c2g__codaInvoice__c.cer_Auto_Post__c"].granted == ("edit",)
    assert sum(c.category is Category.FIELD and c.before is None for c in found) == 19


# -- categories ---------------------------------------------------------------------------------


def test_user_permission_grant() -> None:
    change = one("PermissionSet", "", perm("ModifyAllData", True))
    assert (change.category, change.key, change.action, change.after) == (
        Category.USER_PERMISSION,
        "ModifyAllData",
        Action.GRANT,
        "on",
    )


def test_object_flags_granted_and_revoked_together_are_a_change() -> None:
    change = one(
        "PermissionSet",
        obj("Account", read=True, delete=True),
        obj("Account", read=True, edit=True, modify_all=True),
    )
    assert change.category is Category.OBJECT
    assert (change.action, change.granted, change.revoked) == (
        Action.CHANGE,
        ("edit", "modifyAll"),
        ("delete",),
    )
    assert (change.before, change.after) == ("read, delete", "read, edit, modifyAll")


def test_object_view_all_fields_counts_as_a_flag() -> None:
    old = obj("Account", read=True)
    new = old.replace(
        "</objectPermissions>", "<viewAllFields>true</viewAllFields></objectPermissions>"
    )
    assert one("PermissionSet", old, new).granted == ("viewAllFields",)


def test_field_read_to_edit() -> None:
    change = one(
        "PermissionSet", field("Account.Phone", True, False), field("Account.Phone", True, True)
    )
    assert (change.category, change.action, change.granted) == (
        Category.FIELD,
        Action.GRANT,
        ("edit",),
    )


@pytest.mark.parametrize(
    ("element", "name_tag", "category"),
    [
        ("classAccesses", "apexClass", Category.APEX_CLASS),
        ("pageAccesses", "apexPage", Category.PAGE),
        ("customPermissions", "name", Category.CUSTOM_PERMISSION),
    ],
)
def test_named_accesses(element: str, name_tag: str, category: Category) -> None:
    def entry(enabled: str) -> str:
        return f"<{element}><{name_tag}>Thing</{name_tag}><enabled>{enabled}</enabled></{element}>"

    change = one("PermissionSet", entry("false"), entry("true"))
    assert (change.category, change.key, change.action) == (category, "Thing", Action.GRANT)


@pytest.mark.parametrize(
    ("root", "element", "old", "new", "action"),
    [
        ("PermissionSet", "tabSettings", "Available", "Visible", Action.GRANT),
        ("PermissionSet", "tabSettings", "Visible", "None", Action.REVOKE),
        ("Profile", "tabVisibilities", "DefaultOn", "Hidden", Action.REVOKE),
        ("Profile", "tabVisibilities", "Hidden", "DefaultOff", Action.GRANT),
        ("Profile", "tabVisibilities", "DefaultOn", "Visible", Action.CHANGE),
    ],
)
def test_tabs(root: str, element: str, old: str, new: str, action: Action) -> None:
    def tab(visibility: str) -> str:
        return f"<{element}><tab>standard-Account</tab><visibility>{visibility}</visibility></{element}>"

    change = one(root, tab(old), tab(new))
    assert (change.category, change.action, change.before, change.after) == (
        Category.TAB,
        action,
        old,
        new,
    )


def test_record_type_default() -> None:
    def rt(default: str) -> str:
        return f"<recordTypeVisibilities><default>{default}</default><recordType>Account.B2B</recordType><visible>true</visible></recordTypeVisibilities>"

    change = one("Profile", rt("false"), rt("true"))
    assert (change.category, change.granted, change.after) == (
        Category.RECORD_TYPE,
        ("default",),
        "visible, default",
    )


def test_license_change() -> None:
    change = one(
        "PermissionSet",
        "<license>SalesforceAPIIntegrationPsl</license>",
        "<license>Salesforce</license>",
    )
    assert (change.category, change.key, change.action) == (
        Category.LICENSE,
        "license",
        Action.CHANGE,
    )


def test_profile_user_license_dropped_stays() -> None:
    change = one("Profile", "<userLicense>Salesforce</userLicense>", "")
    assert (change.category, change.key, change.action) == (
        Category.LICENSE,
        "userLicense",
        Action.STAYS,
    )


def test_untyped_entries_with_flags() -> None:
    def flow(enabled: str) -> str:
        return f"<flowAccesses><enabled>{enabled}</enabled><flow>Sync</flow></flowAccesses>"

    change = one("PermissionSet", flow("false"), flow("true"))
    assert (change.category, change.key, change.action) == (Category.FLOW, "Sync", Action.GRANT)
    assert changes("PermissionSet", flow("True"), flow("true")) == []  # one answer for True


def test_unknown_untyped_entries_are_other() -> None:
    def future(enabled: str) -> str:
        return f"<futureAccesses><enabled>{enabled}</enabled><thing>X</thing></futureAccesses>"

    change = one("PermissionSet", future("true"), future("false"))
    assert (change.category, change.key, change.action) == (
        Category.OTHER,
        "futureAccesses: X",
        Action.REVOKE,
    )


@pytest.mark.parametrize(
    ("root", "action"), [("Profile", Action.STAYS), ("PermissionSet", Action.REMOVE)]
)
def test_untyped_entries_without_flags(root: str, action: Action) -> None:
    layout = "<layoutAssignments><layout>Account-Account Layout</layout><recordType>Account.B2B</recordType></layoutAssignments>"
    change = one(root, layout, "")
    assert (change.category, change.key) == (
        Category.LAYOUT,
        "Account-Account Layout (Account.B2B)",
    )
    assert change.action is action
    assert one(root, "", layout).action is Action.ADD


# -- login IP ranges and hours -----------------------------------------------------------------


def test_added_range_outside_the_old_ones_widens() -> None:
    change = one(
        "Profile",
        ip("10.0.0.0", "10.0.0.255"),
        ip("10.0.0.0", "10.0.0.255") + ip("10.0.1.0", "10.0.1.15"),
    )
    assert (change.category, change.action, change.key) == (
        Category.LOGIN_IP_RANGE,
        Action.WIDEN,
        "10.0.1.0-10.0.1.15",
    )
    assert change.note == "allows 16 more addresses"


def test_widening_an_existing_range_counts_only_new_addresses() -> None:
    found = changes("Profile", ip("10.0.0.0", "10.0.0.255"), ip("10.0.0.0", "10.0.1.255"))
    widen = next(c for c in found if c.action is Action.WIDEN)
    assert widen.note == "allows 256 more addresses"
    assert [c.action for c in found if c is not widen] == [Action.CHANGE]  # old range: covered


def test_added_range_inside_the_old_ones_is_not_a_widening() -> None:
    change = one(
        "Profile",
        ip("10.0.0.0", "10.0.255.255"),
        ip("10.0.0.0", "10.0.255.255") + ip("10.0.3.0", "10.0.3.9"),
    )
    assert (change.action, change.note) == (Action.CHANGE, "already inside the allowed ranges")


def test_first_ranges_narrow_and_ranges_on_a_permission_set_are_kept_verbatim() -> None:
    """Only profiles have login IP ranges; a permission set's (a hand edit) is kept, not typed."""
    assert one("Profile", "", ip("10.0.0.0", "10.0.0.1")).action is Action.NARROW
    change = one("PermissionSet", ip("10.0.0.0", "10.0.0.1"), "")
    assert (change.category, change.action) == (Category.OTHER, Action.REMOVE)


def test_removing_one_range_narrows() -> None:
    change = one(
        "Profile",
        ip("10.0.0.0", "10.0.0.255") + ip("10.9.0.0", "10.9.0.3"),
        ip("10.0.0.0", "10.0.0.255"),
    )
    assert (change.action, change.note) == (Action.NARROW, "4 addresses no longer allowed")


def test_profile_without_ranges_keeps_the_org_ranges() -> None:
    change = one("Profile", ip("10.0.0.0", "10.0.0.255", "office"), "")
    assert (change.action, change.before) == (Action.STAYS, "10.0.0.0-10.0.0.255 (office)")


def test_range_description_change_and_ipv6() -> None:
    change = one(
        "Profile", ip("2001:db8::", "2001:db8::ff", "a"), ip("2001:db8::", "2001:db8::ff", "b")
    )
    assert (change.action, change.before, change.after) == (
        Action.CHANGE,
        "2001:db8::-2001:db8::ff (a)",
        "2001:db8::-2001:db8::ff (b)",
    )


def test_invalid_range_is_reported_without_guessing() -> None:
    change = one(
        "Profile", ip("10.0.0.0", "10.0.0.1"), ip("10.0.0.0", "10.0.0.1") + ip("nope", "10.0.0.9")
    )
    assert (change.action, change.note) == (Action.CHANGE, "not a valid address range")


@pytest.mark.parametrize(
    ("old", "new", "action"),
    [
        ((480, 1080), (420, 1140), Action.WIDEN),
        ((480, 1080), (540, 1020), Action.NARROW),
        ((480, 1080), (300, 600), Action.CHANGE),
    ],
)
def test_login_hours(old: tuple[int, int], new: tuple[int, int], action: Action) -> None:
    change = one("Profile", hours(monday=old), hours(monday=new))
    assert (change.category, change.key, change.action) == (Category.LOGIN_HOURS, "monday", action)
    assert (
        change.before
        == f"{old[0] // 60:02d}:{old[0] % 60:02d}-{old[1] // 60:02d}:{old[1] % 60:02d}"
    )


def test_login_hours_first_set_narrow_and_empty_element_lifts_them() -> None:
    assert one("Profile", "", hours(friday=(600, 960))).action is Action.NARROW
    lifted = one("Profile", hours(friday=(600, 960)), "<loginHours/>")
    assert (lifted.action, lifted.after) == (Action.WIDEN, "any time")


def test_profile_without_login_hours_keeps_the_org_hours() -> None:
    change = one("Profile", hours(monday=(480, 1080)), "")
    assert (change.action, change.before) == (Action.STAYS, "monday 08:00-18:00")


# -- groups, muting, components ----------------------------------------------------------------


def test_group_membership_and_muting() -> None:
    old = "<mutingPermissionSets>M1</mutingPermissionSets><permissionSets>A</permissionSets><permissionSets>B</permissionSets>"
    new = "<permissionSets>C</permissionSets><permissionSets>A</permissionSets><mutingPermissionSets>M2</mutingPermissionSets><status>Outdated</status>"
    found = {(c.category, c.key): c.action for c in changes("PermissionSetGroup", old, new)}
    assert found == {
        (Category.GROUP_MEMBERSHIP, "B"): Action.REVOKE,
        (Category.GROUP_MEMBERSHIP, "C"): Action.GRANT,
        (Category.GROUP_MUTING, "M1"): Action.GRANT,
        (Category.GROUP_MUTING, "M2"): Action.REVOKE,
    }


def test_muting_permission_set_turns_grants_into_revokes() -> None:
    change = one("MutingPermissionSet", "", perm("ExportReport", True))
    assert (change.action, change.revoked, change.granted) == (Action.REVOKE, ("enabled",), ())
    assert one("MutingPermissionSet", perm("ExportReport", True), "").action is Action.GRANT


def test_components_added_removed_and_deleted() -> None:
    kept = component("PermissionSet", perm("ApiEnabled", True), name="Kept")
    gone = component("PermissionSet", perm("ApiEnabled", True), name="Gone")
    deleted = component("Profile", perm("ApiEnabled", True), name="Deleted")
    new = component("PermissionSet", "<label>New</label>" + perm("ApiUserOnly", True), name="New")
    found = diff_bundles([kept, gone, deleted], [kept, new], deletions=[(Kind.PROFILE, "Deleted")])
    assert [(c.component, c.category, c.action, c.note) for c in found] == [
        (
            "Gone",
            Category.COMPONENT,
            Action.REMOVE,
            "no longer in the source; a deploy does not delete it, it stays in the org",
        ),
        ("New", Category.COMPONENT, Action.ADD, None),
        ("New", Category.USER_PERMISSION, Action.GRANT, None),  # no label line for a new set
        ("Deleted", Category.COMPONENT, Action.REMOVE, "deleted from the org by this deploy"),
    ]


def test_new_profile_entries_that_are_off_are_not_reported() -> None:
    new = component(
        "Profile", field("Account.Rating", False, False) + perm("ApiUserOnly", True), name="P"
    )
    found = diff_components(None, new)
    assert [(c.category, c.action) for c in found] == [
        (Category.COMPONENT, Action.ADD),
        (Category.USER_PERMISSION, Action.GRANT),
    ]


def test_comparing_different_kinds_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        diff_components(component("Profile", ""), component("PermissionSet", ""))
