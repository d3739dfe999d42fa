"""Profiles come back whole: retrieve asks for every companion type, as Salesforce needs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from companions import record_type, write_package
from lossless_support import normalised

from apionly_deploy.cli import cli
from apionly_deploy.emulator import components
from apionly_deploy.model.components import PermissionContainer
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file

PROJECT = """\
[project]
api_version = "66.0"

[profiles."Erp Profile"]
user_license = "Salesforce"
user_permissions = ["ApiEnabled"]
objects = { Account = ["read", "edit"], Erp_Order__c = ["read"] }
fields = { "Account.Phone" = "read" }
apex_classes = ["ErpSync"]
pages = ["ErpStatus"]
tabs = { "standard-Account" = "default_on" }
record_types = { "Account.Partner" = ["visible", "default"] }
apps = { Erp_Console = ["visible", "default"] }
layouts = { "Account-Account Layout" = ["Account", "Account.Partner"] }
flows = ["Erp_Sync"]
custom_settings = ["Erp_Switches__c"]
"""

NEEDS = {
    "ApexClass": ["ErpSync"],
    "ApexPage": ["ErpStatus"],
    "CustomApplication": ["Erp_Console"],
    "CustomObject": ["Account", "Erp_Order__c", "Erp_Switches__c"],
    "Flow": ["Erp_Sync"],
}


def test_a_profile_retrieved_holds_every_entry_the_org_has(tmp_path: Path) -> None:
    runner = CliRunner()
    project = tmp_path / "project"
    project.mkdir()
    (project / "apionly.toml").write_text(PROJECT)

    def run(*args: str) -> None:
        result = runner.invoke(cli, [*args, "-p", str(project)])
        assert result.exit_code == 0, result.output

    companions = write_package(tmp_path / "companions", NEEDS, {"Account": record_type("Partner")})
    run("deploy", "start", "-o", "local", "--metadata-dir", str(companions))
    run("deploy", "start", "-o", "local")
    run("render", "--format", "mdapi", "--out", str(tmp_path / "rendered"))
    run("retrieve", "-o", "local", "--profile", "Erp Profile", "--out", str(tmp_path / "got"))
    rendered = parse_component_file(tmp_path / "rendered/profiles/Erp Profile.profile")
    got = parse_component_file(next((tmp_path / "got").rglob("Erp Profile.profile-meta.xml")))
    assert normalised(got) == normalised(rendered)


def test_the_local_org_returns_profile_entries_only_for_named_companions() -> None:
    """As Salesforce does: a retrieve of the profile alone brings no class, object or layout
    entries, so the client's asking for companions is tested against real semantics."""
    profile = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<Profile xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        b"<classAccesses><apexClass>ErpSync</apexClass><enabled>true</enabled></classAccesses>\n"
        b"<layoutAssignments><layout>Account-Account Layout</layout></layoutAssignments>\n"
        b"<userPermissions><enabled>true</enabled><name>ApiEnabled</name></userPermissions>\n"
        b"</Profile>\n"
    )
    stored = components.stored_xml(parse_component_bytes(profile, name="P"))
    component = parse_component_bytes(stored, name="P")
    assert isinstance(component, PermissionContainer)
    alone = components.filter_profile(component, {})
    assert [p.name for p in alone.user_permissions] == ["ApiEnabled"]
    assert (alone.class_accesses, alone.extras) == ((), ())
    named = components.filter_profile(
        component, {"classAccesses": {"ErpSync"}, "layoutAssignments": None}
    )
    assert len(named.class_accesses) == 1 and len(named.extras) == 1
