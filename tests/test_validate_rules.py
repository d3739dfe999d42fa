"""Every semantic rule fires on XML input and on model input, and stays quiet on the fixed case."""

from __future__ import annotations

import pytest
from validate_support import (
    cls,
    field,
    ip_range,
    muting_set,
    obj,
    permission_set,
    profile,
    text,
    user,
)

from apionly_deploy.check.rules import Finding, Severity
from apionly_deploy.check.validate import validate_bytes, validate_components
from apionly_deploy.model.components import (
    Access,
    FieldPermission,
    Kind,
    LoginIpRange,
    ObjectPermission,
    PermissionContainer,
    PermissionSetGroup,
    UserPermission,
)
from apionly_deploy.model.names import component_name
from apionly_deploy.model.parse import parse_component_bytes

API_ONLY = (user("ApiEnabled"), user("ApiUserOnly"))
RANGES = (ip_range("203.0.113.1", "203.0.113.9"),)


def on_xml(data: bytes, name: str = "Test.permissionset-meta.xml") -> list[Finding]:
    return validate_bytes(data, source=name, api_version="62.0")


def on_model(data: bytes, name: str = "Test.permissionset-meta.xml") -> list[Finding]:
    """Parse with the project's model parser and validate the model, as render does."""
    component = parse_component_bytes(data, name=component_name(name), source=name)
    return validate_components([component], api_version="62.0")


BOTH = pytest.mark.parametrize("check", [on_xml, on_model], ids=["xml", "model"])


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


@BOTH
def test_ao101_api_user_only_without_api_enabled(check):
    """ApiUserOnly alone is a warning pointing at its entry; with ApiEnabled it is quiet."""
    found = only(check(permission_set(user("ApiUserOnly"))), "AO101")
    assert [(f.severity, f.line) for f in found] == [(Severity.WARNING, 4)]
    assert "AO101" not in rules(check(permission_set(*API_ONLY)))


@BOTH
def test_ao102_license_without_api_only(check):
    """A Salesforce Platform profile granting API Only User is a warning that says it is unsure."""
    bad = profile(*API_ONLY, *RANGES, text("userLicense", "Salesforce Platform"))
    [finding] = only(check(bad, "P.profile-meta.xml"), "AO102")
    assert finding.severity is Severity.WARNING
    assert "Salesforce Platform" in finding.message and "verify" in finding.hint
    good = profile(*API_ONLY, *RANGES, text("userLicense", "Salesforce"))
    assert "AO102" not in rules(check(good, "P.profile-meta.xml"))


@BOTH
def test_ao103_integration_license_cannot_drop_api_only(check):
    bad = profile(
        user("ApiEnabled"),
        user("ApiUserOnly", False),
        *RANGES,
        text("userLicense", "Salesforce Integration"),
    )
    assert "AO103" in rules(check(bad, "P.profile-meta.xml"))
    good = profile(*API_ONLY, *RANGES, text("userLicense", "Salesforce Integration"))
    assert "AO103" not in rules(check(good, "P.profile-meta.xml"))


@BOTH
def test_ao103_integration_profile_name_under_other_license(check):
    data = profile(*API_ONLY, *RANGES, text("userLicense", "Salesforce"))
    name = "Minimum Access - API Only Integrations.profile-meta.xml"
    assert "AO103" in rules(check(data, name))
    assert "AO103" not in rules(check(data, "Other.profile-meta.xml"))


@BOTH
def test_ao103_integration_user_license_set_with_standard_objects(check):
    bad = permission_set(obj("Account", "read"), text("license", "Salesforce Integration"))
    assert "AO103" in rules(check(bad))
    custom = permission_set(obj("Invoice__c", "read"), text("license", "Salesforce Integration"))
    assert "AO103" not in rules(check(custom))


@BOTH
def test_ao104_api_only_with_admin_permission(check):
    found = only(check(permission_set(*API_ONLY, user("ManageUsers"))), "AO104")
    assert len(found) == 1 and "ManageUsers" in found[0].message
    assert "AO104" not in rules(check(permission_set(user("ApiEnabled"), user("ManageUsers"))))


@BOTH
def test_ao105_muting_api_user_only(check):
    name = "M.mutingpermissionset-meta.xml"
    assert "AO105" in rules(check(muting_set(user("ApiUserOnly")), name))
    assert "AO105" not in rules(check(muting_set(user("ViewSetup")), name))


@BOTH
def test_ao201_unknown_user_permission_with_did_you_mean(check):
    [finding] = only(check(permission_set(user("ApiEnabeld"))), "AO201")
    assert finding.severity is Severity.ERROR
    assert finding.message == "Unknown user permission: ApiEnabeld"
    assert finding.hint == "Did you mean ApiEnabled?"
    assert "AO201" not in rules(check(permission_set(user("ApiEnabled"))))


@BOTH
def test_ao202_third_party_only_name(check):
    assert "AO202" in rules(check(permission_set(user("ManageUserRoles"))))
    assert "AO202" not in rules(check(permission_set(user("ViewSetup"))))


@BOTH
def test_ao203_sobject_field_name(check):
    [finding] = only(check(permission_set(user("CreateMultiforce"))), "AO203")
    assert "CreatePackaging" in finding.hint
    assert "AO203" not in rules(check(permission_set(user("CreatePackaging"))))


@BOTH
def test_ao204_documented_dependency(check):
    [finding] = only(check(permission_set(user("ModifyAllData"))), "AO204")
    assert finding.severity is Severity.ERROR
    assert finding.message == "Permission ModifyAllData depends on permission(s): ViewAllData"
    fixed = permission_set(user("ModifyAllData"), user("ViewAllData"))
    assert "AO204" not in rules(check(fixed))


@BOTH
def test_ao204_profile_absent_requirement_is_a_warning(check):
    """A Profile deploy keeps what the file omits, so an absent requirement may be in the org."""
    absent = profile(user("ModifyAllData"))
    [finding] = only(check(absent, "P.profile-meta.xml"), "AO204")
    assert finding.severity is Severity.WARNING
    disabled = profile(user("ModifyAllData"), user("ViewAllData", False))
    [finding] = only(check(disabled, "P.profile-meta.xml"), "AO204")
    assert finding.severity is Severity.ERROR


@BOTH
@pytest.mark.parametrize(
    ("flags", "missing"),
    [
        (("edit",), "read"),
        (("create",), "read"),
        (("read", "delete"), "edit"),
        (("read", "view_all", "edit", "delete", "modify_all"), None),
        (("read", "edit", "delete", "modify_all"), "view_all"),
        (("view_all",), "read"),
    ],
)
def test_ao205_object_dependencies(check, flags, missing):
    found = only(check(permission_set(obj("Account", *flags))), "AO205")
    if missing is None:
        assert found == []
    else:
        assert len(found) == 1 and missing in found[0].message.split("needs", 1)[1]
        assert found[0].severity is Severity.ERROR and found[0].line == 4


@BOTH
def test_ao205_reads_a_profile_entry_of_seven_flags_by_name(check):
    """A Profile's object flags are all optional: seven children that include customizeSetup
    and leave out viewAllRecords must not be read as the usual seven."""
    body = (
        "<allowCreate>false</allowCreate><allowDelete>false</allowDelete>"
        "<allowEdit>true</allowEdit><allowRead>false</allowRead>"
        "<customizeSetup>false</customizeSetup><modifyAllRecords>false</modifyAllRecords>"
        "<object>Account</object>"
    )
    data = profile(*API_ONLY, *RANGES, ("objectPermissions", body))
    [finding] = only(check(data, "P.profile-meta.xml"), "AO205")
    assert finding.message == "Account: edit needs read"


@BOTH
def test_ao206_field_editable_not_readable(check):
    data = permission_set(
        field("Account.Name"), field("Account.Phone", readable=False, editable=True)
    )
    [finding] = only(check(data), "AO206")
    assert finding.message == "Account.Phone is editable but not readable"
    assert finding.line == 8
    assert "AO206" not in rules(check(permission_set(field("Account.Phone", editable=True))))


BAD_FIELD = field("Account.Phone", readable=False, editable=True)
LURE = b"<readable>true</readable>"  # what the field rule counts in a document's bytes


@pytest.mark.parametrize(
    "disguise",
    [
        pytest.param(lambda d: d.replace(b"<label>", b"<!-- %s --><label>" % LURE), id="comment"),
        pytest.param(lambda d: d.replace(b"<label>", b"<?lure %s?><label>" % LURE), id="pi"),
        pytest.param(
            lambda d: d.replace(b"<label>Test", b"<label><![CDATA[%s]]>" % LURE), id="cdata"
        ),
        pytest.param(
            lambda d: (
                d.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
            ),
            id="utf-16",
        ),
    ],
)
def test_ao206_is_not_fooled_by_lookalike_bytes(disguise):
    """The rule counts readable elements in the bytes when it safely can; text that only
    looks like one (in a comment, an instruction, a CDATA section, another encoding) must
    not make the one bad entry disappear."""
    data = disguise(permission_set(field("Account.Name"), BAD_FIELD))
    assert rules(on_xml(data)).count("AO206") == 1


def test_ao206_read_only_profile_is_quiet_and_a_bad_entry_is_found():
    """No field editable settles the rule without reading entries; one bad entry among
    read-only ones is still found, at its line."""
    quiet = profile(*API_ONLY, *RANGES, field("Account.Name", readable=False))
    assert "AO206" not in rules(on_xml(quiet, "P.profile-meta.xml"))
    bad = profile(*API_ONLY, *RANGES, field("Account.Name", readable=False), BAD_FIELD)
    [finding] = only(on_xml(bad, "P.profile-meta.xml"), "AO206")
    assert finding.message == "Account.Phone is editable but not readable"


@BOTH
def test_muting_sets_are_exempt_from_dependency_rules(check):
    """Muting edit without muting read is legitimate."""
    data = muting_set(obj("Account", "edit"), field("Account.Phone", readable=False, editable=True))
    found = rules(check(data, "M.mutingpermissionset-meta.xml"))
    assert "AO205" not in found and "AO206" not in found


@BOTH
@pytest.mark.parametrize(
    ("permission", "rule"),
    [
        ("ModifyAllData", "AO301"),
        ("ViewAllData", "AO301"),
        ("AuthorApex", "AO302"),
        ("PasswordNeverExpires", "AO304"),
    ],
)
def test_least_privilege_on_api_only(check, permission, rule):
    extra = (user("ViewAllData"),) if permission == "ModifyAllData" else ()
    assert rule in rules(check(permission_set(*API_ONLY, user(permission), *extra)))
    assert rule not in rules(check(permission_set(user("ApiEnabled"), user(permission), *extra)))


@BOTH
def test_ao303_api_only_profile_without_ip_ranges(check):
    name = "P.profile-meta.xml"
    [finding] = only(check(profile(*API_ONLY), name), "AO303")
    assert finding.severity is Severity.WARNING
    assert "AO303" not in rules(check(profile(*API_ONLY, *RANGES), name))


@BOTH
def test_ao401_duplicates(check):
    data = permission_set(
        cls("A"), cls("A"), field("X.y"), field("X.y"), user("ViewSetup"), user("ViewSetup")
    )
    found = only(check(data), "AO401")
    assert sorted(f.message.split(" (")[0] for f in found) == [
        "duplicate <classAccesses> for A",
        "duplicate <fieldPermissions> for X.y",
        "duplicate <userPermissions> for ViewSetup",
    ]
    assert all(f.severity is Severity.WARNING for f in found)


@BOTH
def test_ao402_conflicting_duplicates(check):
    data = permission_set(
        cls("A"), cls("A", enabled=False), field("X.y"), field("X.y", editable=True)
    )
    found = only(check(data), "AO402")
    assert len(found) == 2
    assert "AO401" not in rules(check(data))


@BOTH
def test_duplicate_keys_ignore_surrounding_whitespace(check):
    data = permission_set(field("X.y"), field(" X.y "))
    assert "AO401" in rules(check(data))


@BOTH
def test_same_key_under_different_tags_is_no_duplicate(check):
    """Keys of different tags are read in one pass; one name under two tags is fine, and a
    repeat within a tag is still found next to it."""
    page = ("pageAccesses", "<apexPage>Shared</apexPage><enabled>true</enabled>")
    tab = ("tabSettings", "<tab>Shared</tab><visibility>Visible</visibility>")
    data = permission_set(cls("Shared"), page, tab, field("X.y"))
    assert not {"AO401", "AO402"} & set(rules(check(data)))
    data = permission_set(cls("Shared"), page, tab, tab)
    [finding] = only(check(data), "AO401")
    assert finding.message.startswith("duplicate <tabSettings> for Shared")


def test_group_duplicates_on_xml_and_model():
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<PermissionSetGroup xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"    <label>G</label>\n    <permissionSets>A</permissionSets>\n"
        b"    <permissionSets>A</permissionSets>\n</PermissionSetGroup>\n"
    )
    [finding] = only(validate_bytes(xml, source="G.permissionsetgroup-meta.xml"), "AO401")
    assert finding.line == 5
    group = PermissionSetGroup(name="G", label="G", permission_sets=("A", "A"))
    assert rules(validate_components([group], api_version="62.0")) == ["AO401"]


def test_model_findings_point_at_source_and_lines():
    """Components built from apionly.toml carry its path and their lines into findings."""
    container = PermissionContainer(
        kind=Kind.PERMISSION_SET,
        name="ERP",
        label="ERP",
        user_permissions=(UserPermission("ApiUserOnly", line=12),),
        object_permissions=(ObjectPermission("Account", edit=True, line=14),),
        field_permissions=(FieldPermission("Account.Name", editable=True, line=15),),
        class_accesses=(Access("A", line=16), Access("A", line=17)),
        login_ip_ranges=(LoginIpRange("1.1.1.1", "1.1.1.2"),),
        source="apionly.toml",
    )
    found = validate_components([container], api_version="62.0")
    assert [(f.file, f.line, f.rule) for f in found] == [
        ("apionly.toml", 12, "AO101"),
        ("apionly.toml", 14, "AO205"),
        ("apionly.toml", 15, "AO206"),
        ("apionly.toml", 17, "AO401"),
    ]


def test_model_schema_version_checks():
    """viewAllFields before API 63.0 and elements the schema lacks are AO003 on models too."""
    container = PermissionContainer(
        kind=Kind.PERMISSION_SET,
        name="S",
        label="S",
        object_permissions=(ObjectPermission("Account", read=True, view_all_fields=True, line=3),),
        source="S.permissionset-meta.xml",
    )
    [finding] = validate_components([container], api_version="62.0")
    assert (finding.rule, finding.severity) == ("AO003", Severity.ERROR)
    assert "63.0" in finding.hint
    assert validate_components([container], api_version="63.0") == []


# -- evidence from real files that orgs accepted (issue 14) ----------------------------------


@BOTH
def test_ao205_big_objects_delete_without_edit(check):
    """Big objects have no edit access, so their delete needs only read."""
    data = permission_set(obj("Archive__b", "read", "create", "delete"))
    assert "AO205" not in rules(check(data))
    [finding] = only(check(permission_set(obj("Thing__c", "read", "delete"))), "AO205")
    assert finding.message == "Thing__c: delete needs edit"


def test_capitalised_booleans_are_a_warning_not_an_error():
    """Salesforce reads True/False; the file is adopted, the finding asks for true/false."""
    data = permission_set(("userPermissions", "<enabled>True</enabled><name>ViewSetup</name>"))
    findings = on_xml(data)
    assert [(f.rule, f.severity) for f in findings] == [("AO006", Severity.WARNING)]
    assert findings[0].message == "<enabled> is 'True'; write 'true'"
    assert rules(
        on_xml(permission_set(("userPermissions", "<enabled>yes</enabled><name>ViewSetup</name>")))
    ) == ["AO004"]


def test_an_object_permission_missing_a_flag_is_a_warning():
    """allowDelete left out reads as false; a public project's pipeline deployed it for years."""
    body = (
        "<allowCreate>false</allowCreate><allowEdit>false</allowEdit><allowRead>true</allowRead>"
        "<modifyAllRecords>false</modifyAllRecords><object>Account</object>"
        "<viewAllRecords>false</viewAllRecords>"
    )
    [finding] = on_xml(permission_set(("objectPermissions", body)))
    assert (finding.rule, finding.severity) == ("AO004", Severity.WARNING)
    assert "lacks the required <allowDelete>" in finding.message


def test_hidden_on_an_old_field_permission_is_a_note():
    body = "<editable>false</editable><field>Account.Site</field><hidden>false</hidden><readable>true</readable>"
    [finding] = on_xml(permission_set(("fieldPermissions", body)))
    assert (finding.rule, finding.severity) == ("AO003", Severity.NOTE)


@BOTH
def test_api_only_through_the_integration_license_alone_gets_the_api_only_rules(check):
    """A Profile on the Salesforce Integration license is API-only without an ApiUserOnly
    entry: admin and broad permissions, AuthorApex, PasswordNeverExpires and missing login
    IP ranges are still reported."""
    granted = ("ApiEnabled", "ManageUsers", "ModifyAllData", "AuthorApex", "PasswordNeverExpires")
    findings = check(
        profile(*(user(name) for name in granted), text("userLicense", "Salesforce Integration")),
        "Integration.profile-meta.xml",
    )
    assert {"AO104", "AO301", "AO302", "AO303", "AO304"} <= set(rules(findings))


LOOK_ALIKE = "\u0410ccount"  # a Cyrillic A, then Latin: reads as Account


@BOTH
def test_ao403_names_mixing_latin_with_cyrillic_or_greek(check):
    """A Cyrillic look-alike of Account passed validation; now each mixed name is a warning."""
    bad = permission_set(obj(LOOK_ALIKE, "read"), field(f"{LOOK_ALIKE}.Industry"))
    found = only(check(bad, "Ad\u03bcin.permissionset-meta.xml"), "AO403")
    assert {f.severity for f in found} == {Severity.WARNING}
    assert sorted(f.message.split(" ")[0] for f in found) == ["field", "name", "object"]
    [look_alike] = [f for f in found if f.message.startswith("object")]
    assert "mixes Cyrillic and Latin letters ('\\u0410ccount')" in look_alike.message
    plain = permission_set(obj("Account", "read"), field("Account.Industry"))
    assert "AO403" not in rules(
        check(plain, "\u0410\u0434\u043c\u0438\u043d.permissionset-meta.xml")
    )
