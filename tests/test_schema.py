"""The shipped XSDs and the schema check: versions, leniency, plain-word findings with positions."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from lxml import etree
from validate_support import field, obj, permission_set, text, user

from apionly_deploy.check import schema
from apionly_deploy.check.rules import Severity
from apionly_deploy.check.schema import Mode
from apionly_deploy.model.xmldoc import parse_bytes

REAL = Path(__file__).parent / "fixtures" / "real-metadata"
REAL_FILES = sorted(p for p in REAL.iterdir() if p.name != "SOURCES.md")


def line_of(data: bytes, needle: bytes) -> int:
    return next(i for i, line in enumerate(data.split(b"\n"), 1) if needle in line)


def check(data: bytes, version: str | None = "62.0"):
    return schema.check_document(
        parse_bytes(data), api_version=version, source="S.permissionset-meta.xml", data=data
    )


def test_versions_47_to_66_ship_and_compile():
    assert schema.schema_versions() == tuple(f"{v}.0" for v in range(47, 67))
    assert schema.newest_version() == "66.0"
    index = json.loads(
        resources.files("apionly_deploy").joinpath("schemas", "versions.json").read_text()
    )["versions"]
    for file_name in set(index.values()):
        xsd = resources.files("apionly_deploy").joinpath("schemas", file_name).read_bytes()
        etree.XMLSchema(etree.fromstring(xsd))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, ("66.0", Mode.UNKNOWN)),
        ("not a version", ("66.0", Mode.UNKNOWN)),
        ("62", ("62.0", Mode.STRICT)),
        ("62.0", ("62.0", Mode.STRICT)),
        ("40.0", ("47.0", Mode.STRICT)),
        ("67.0", ("66.0", Mode.NEWER)),
    ],
)
def test_resolve(given, expected):
    assert schema.resolve(given) == expected


def test_element_since():
    assert schema.element_since("PermissionSetObjectPermissions", "viewAllFields") == "63.0"
    assert schema.element_since("PermissionSet", "label") == "47.0"


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_are_valid_against_the_newest_schema(path):
    """Salesforce retrieved these; with no version known they pass the newest schema as is."""
    data = path.read_bytes()
    result = schema.check_document(parse_bytes(data), api_version=None, source=path.name, data=data)
    assert result.valid, result.findings


def test_valid_document_costs_one_pass_and_reports_nothing():
    result = check(permission_set(user("ApiEnabled"), field("A.b")))
    assert result.valid and result.findings == []


def test_newer_element_is_an_error_at_an_older_version():
    data = permission_set(obj("Account", "read")).replace(
        b"<object>", b"<viewAllFields>false</viewAllFields>\n        <object>"
    )
    data = data.replace(
        b"<viewAllFields>false</viewAllFields>\n        <object>Account</object>",
        b"<object>Account</object>\n        <viewAllFields>false</viewAllFields>",
    )
    [finding] = check(data, "62.0").findings
    assert (finding.rule, finding.severity) == ("AO003", Severity.ERROR)
    assert finding.hint.startswith("<viewAllFields> exists from API 63.0 on")
    assert (finding.line, finding.column) == (line_of(data, b"<viewAllFields>"), 9)
    assert check(data, "63.0").findings == []


@pytest.mark.parametrize(
    ("version", "severity"),
    [("62.0", Severity.ERROR), (None, Severity.WARNING), ("70.0", Severity.NOTE)],
)
def test_unknown_element_severity_follows_what_we_know_of_the_version(version, severity):
    data = permission_set(user("ApiEnabled")).replace(
        b"</PermissionSet>", b"    <zzzFuture>x</zzzFuture>\n</PermissionSet>"
    )
    findings = check(data, version).findings
    assert [(f.rule, f.severity) for f in findings] == [("AO003", severity)]


def test_typo_gets_a_did_you_mean():
    data = permission_set(user("ApiEnabled")).replace(b"userPermissions>", b"userPermission>")
    [finding] = check(data).findings
    assert (
        finding.message
        == "<userPermission> is not in the Metadata API 62.0 schema of <PermissionSet>"
    )
    assert finding.hint == "Did you mean <userPermissions>?"


def test_bad_boolean_has_line_and_column():
    data = permission_set(user("ApiEnabled")).replace(b"<enabled>true", b"<enabled>yes")
    [finding] = check(data).findings
    assert (finding.rule, finding.line, finding.column) == ("AO004", line_of(data, b"yes"), 9)
    assert finding.message == "<enabled> is 'yes'; it must be true or false"


def test_missing_required_label_and_field_child():
    data = permission_set(field("A.b"), label=None).replace(b"<editable>false</editable>", b"")
    messages = sorted(f.message for f in check(data).findings)
    assert messages == [
        "<PermissionSet> lacks the required <label>",
        "<fieldPermissions> lacks the required <editable>",
    ]


def test_enumeration_repetition_text_and_order():
    data = permission_set(text("description", "d"), text("description", "e"))
    data = data.replace(b"<label>Test</label>", b"<label>Test</label>\n    stray")
    data = data.replace(
        b"<description>d</description>", b"<label>Again</label>\n    <description>d</description>"
    )
    findings = check(data).findings
    assert {(f.rule, f.severity) for f in findings} == {
        ("AO004", Severity.ERROR),
        ("AO005", Severity.WARNING),
    }
    assert any("may appear at most 1 time" in f.message for f in findings)
    assert any("holds text" in f.message or "text after" in f.message for f in findings)


def test_tab_visibility_enumeration():
    data = permission_set(text("tabSettings", "x")).replace(
        b"<tabSettings>x</tabSettings>",
        b"<tabSettings><tab>t</tab><visibility>Hidden</visibility></tabSettings>",
    )
    [finding] = check(data).findings
    assert finding.message == "<visibility> is 'Hidden'; it must be one of None, Available, Visible"


def test_out_of_order_is_only_a_warning():
    data = permission_set(user("ApiEnabled")).replace(b"    <label>Test</label>\n", b"")
    data = data.replace(b"</PermissionSet>", b"    <label>Test</label>\n</PermissionSet>")
    [finding] = check(data).findings
    assert (finding.rule, finding.severity) == ("AO005", Severity.WARNING)


def test_root_outside_the_metadata_namespace():
    data = b"<PermissionSet><label>x</label></PermissionSet>"
    findings = check(data).findings
    assert findings[0].rule == "AO004" and "metadata namespace" in findings[0].message


def test_muting_permission_set_with_one_label_is_valid():
    data = (REAL / "cooperparry__SCPQEstimator_Muted.mutingpermissionset-meta.xml").read_bytes()
    assert check(data, "59.0").valid


def test_permission_set_object_flags_are_required_in_every_version():
    """Validation reads a valid permission set's seven-child objectPermissions by position
    (scan.py); that holds only while every shipped schema requires those seven."""
    seven = ("allowCreate", "allowDelete", "allowEdit", "allowRead")
    seven += ("modifyAllRecords", "object", "viewAllRecords")
    for version in schema.schema_versions():
        types = schema.types_for(version)
        for root in ("PermissionSet", "MutingPermissionSet"):
            entry = types.types[types.roots[root]].children["objectPermissions"].type
            children = types.types[entry].children
            assert all(children[name].min == 1 for name in seven), (version, root)
