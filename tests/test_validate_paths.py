"""validate_paths: folders and files, layouts, API version detection, bad and hostile input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from validate_support import obj, permission_set, user

from apionly_deploy.check import validate
from apionly_deploy.check.rules import Severity
from apionly_deploy.check.validate import validate_bytes, validate_paths

REAL = Path(__file__).parent / "fixtures" / "real-metadata"
VIEW_ALL_FIELDS = permission_set(obj("Account", "read")).replace(
    b"<object>Account</object>",
    b"<object>Account</object>\n        <viewAllFields>false</viewAllFields>",
)


def errors(findings):
    return [f for f in findings if f.severity is Severity.ERROR]


def test_real_files_have_no_errors():
    """Salesforce accepted every one of these; warnings are fine, errors are not."""
    findings = validate_paths([REAL])
    assert errors(findings) == []
    assert sorted({(Path(f.file).name, f.rule) for f in findings}) == [
        ("edenred__Minimum Access - API Only Integrations.profile-meta.xml", "AO303"),
        ("gsa__Minimum Access - API Only Integrations.profile-meta.xml", "AO303"),
        ("gsa__OrgWide_API_Only_User_System.permissionset-meta.xml", "AO101"),
        ("gsa__Salesforce API Only System Integrations.profile-meta.xml", "AO303"),
    ]


def test_mdapi_package_xml_sets_the_version(tmp_path):
    folder = tmp_path / "permissionsets"
    folder.mkdir()
    (folder / "S.permissionset").write_bytes(VIEW_ALL_FIELDS)
    (tmp_path / "package.xml").write_text(
        '<?xml version="1.0"?><Package xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<version>62.0</version></Package>"
    )
    assert [f.rule for f in errors(validate_paths([tmp_path]))] == ["AO003"]
    (tmp_path / "package.xml").write_text(
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata"><version>63.0</version></Package>'
    )
    assert validate_paths([tmp_path]) == []


def test_sfdx_project_sets_the_version_and_the_flag_wins(tmp_path):
    folder = tmp_path / "force-app" / "main" / "default" / "permissionsets"
    folder.mkdir(parents=True)
    (folder / "S.permissionset-meta.xml").write_bytes(VIEW_ALL_FIELDS)
    (tmp_path / "sfdx-project.json").write_text('{"sourceApiVersion": "61.0"}')
    assert [f.rule for f in validate_paths([tmp_path])] == ["AO003"]
    assert validate_paths([tmp_path], api_version="64.0") == []


def test_unknown_version_is_lenient(tmp_path):
    (tmp_path / "S.permissionset-meta.xml").write_bytes(VIEW_ALL_FIELDS)
    assert validate_paths([tmp_path]) == []


def test_non_permission_xml_is_a_note_in_folders_and_an_error_when_named(tmp_path):
    other = tmp_path / "layout.xml"
    other.write_text('<Layout xmlns="http://soap.sforce.com/2006/04/metadata"/>')
    (tmp_path / "Foo.cls-meta.xml").write_text("<ApexClass/>")
    (tmp_path / "package.xml").write_text("<Package/>")
    [note] = validate_paths([tmp_path])
    assert (note.rule, note.severity, Path(note.file).name) == (
        "AO002",
        Severity.NOTE,
        "layout.xml",
    )
    [error] = validate_paths([other])
    assert (error.rule, error.severity) == ("AO002", Severity.ERROR)


def test_plain_xml_holding_a_permission_set_is_validated(tmp_path):
    (tmp_path / "handwritten.xml").write_bytes(permission_set(user("ApiEnabeld")))
    assert [f.rule for f in validate_paths([tmp_path])] == ["AO201"]


def test_hidden_folders_are_not_walked(tmp_path):
    hidden = tmp_path / ".sfdx"
    hidden.mkdir()
    (hidden / "S.permissionset-meta.xml").write_text("<broken")
    assert validate_paths([tmp_path]) == []


def test_malformed_xml_is_a_finding_with_position_not_a_traceback(tmp_path):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<PermissionSet>\n  <label>x</lable>\n</PermissionSet>\n'
    )
    [finding] = validate_paths([path])
    assert (finding.rule, finding.severity, finding.line) == ("AO001", Severity.ERROR, 3)
    assert finding.column > 0
    assert "malformed XML" in finding.message


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        b"<PermissionSet><label>&b;</label></PermissionSet>",
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b"<PermissionSet><label>&x;</label></PermissionSet>",
        b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n<PermissionSet/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_hostile_xml_is_refused_without_resolving_anything(payload):
    [finding] = validate_bytes(payload, source="evil.permissionset-meta.xml")
    assert finding.rule == "AO001" and finding.severity is Severity.ERROR
    assert "root:" not in finding.message and "aaaa" not in finding.message


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(permission_set(user("ApiEnabled")))
    monkeypatch.setattr(validate, "MAX_DOCUMENT_BYTES", 10)
    [finding] = validate_paths([path])
    assert finding.rule == "AO001" and "limit" in finding.message


def test_missing_file_is_a_finding(tmp_path):
    [finding] = validate_paths([tmp_path / "nope.permissionset-meta.xml"])
    assert finding.rule == "AO001" and "cannot read" in finding.message


def test_findings_are_sorted_and_stable(tmp_path):
    shutil.copy(
        REAL / "gsa__OrgWide_API_Only_User_System.permissionset-meta.xml",
        tmp_path / "b.permissionset-meta.xml",
    )
    (tmp_path / "a.permissionset-meta.xml").write_bytes(
        permission_set(user("Nope1"), user("Nope2"))
    )
    findings = validate_paths([tmp_path])
    assert [(Path(f.file).name, f.rule) for f in findings] == [
        ("a.permissionset-meta.xml", "AO201"),
        ("a.permissionset-meta.xml", "AO201"),
        ("b.permissionset-meta.xml", "AO101"),
    ]
    assert findings == validate_paths([tmp_path])
