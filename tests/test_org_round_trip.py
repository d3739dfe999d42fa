"""The org round trip against a served local org reached with -o env, through the CLI:
companions deploy, a set and a profile using every kind of entry deploy, retrieve --all
--to-config adopts them, and deploying that project and retrieving again gives back every entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from companions import principal, record_type, write_package
from lossless_support import normalised

from apionly_deploy.cli import cli
from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.model.parse import parse_component_file

COMPANIONS = {
    "ApexClass": ["ErpSync"],
    "ApexPage": ["ErpStatus"],
    "CustomApplication": ["Erp_Console"],
    "CustomObject": ["Account", "Erp_Order__c", "Erp_Switches__c", "Erp_Endpoint__mdt"],
    "CustomPermission": ["Erp_Admin"],
    "CustomTab": ["Erp_Order__c"],
    "ExternalCredential": ["Erp"],
    "ExternalDataSource": ["Erp_Archive"],
    "Flow": ["Erp_Sync"],
    "Layout": ["Erp_Order__c-Erp Order Layout"],
}
FIELD = (
    "<fields><fullName>Status__c</fullName><label>Status</label><type>Text</type>"
    "<length>20</length></fields>"
)

PROJECT = """\
[project]
api_version = "66.0"

[permission_sets.Erp_Every]
label = "Erp every kind"
license = "SalesforceAPIIntegrationPsl"
api_only = true
objects = { Erp_Order__c = ["read", "create", "edit", "view_all_fields"] }
fields = { "Erp_Order__c.Status__c" = "edit" }
apex_classes = ["ErpSync"]
pages = ["ErpStatus"]
custom_permissions = ["Erp_Admin"]
tabs = { Erp_Order__c = "visible" }
record_types = { "Account.Partner" = "visible" }
apps = { Erp_Console = "visible" }
flows = ["Erp_Sync"]
custom_metadata_types = ["Erp_Endpoint__mdt"]
custom_settings = { Erp_Switches__c = false }
external_credential_principals = ["Erp-Integration"]
external_data_sources = ["Erp_Archive"]
agents = ["Erp_Agent"]
service_presence_statuses = ["Busy"]

[profiles."Erp Profile"]
user_license = "Salesforce"
custom = true
user_permissions = ["ApiEnabled"]
objects = { Account = ["read"], Erp_Order__c = ["read"] }
fields = { "Erp_Order__c.Status__c" = "read" }
apex_classes = ["ErpSync"]
pages = ["ErpStatus"]
tabs = { Erp_Order__c = "default_on", "standard-Account" = "default_off" }
record_types = { "Account.Partner" = ["visible", "default"] }
apps = { Erp_Console = ["visible", "default"] }
layouts = { "Erp_Order__c-Erp Order Layout" = "Erp_Order__c", "Account-Account Layout" = ["Account", "Account.Partner"] }
flows = ["Erp_Sync"]
custom_settings = ["Erp_Switches__c"]
external_data_sources = ["Erp_Archive"]
login_ip_ranges = [{ start = "203.0.113.0", end = "203.0.113.15", description = "egress" }]
login_hours = { monday = "06:00-20:00" }
login_flows = [{ flow = "Erp_Login", flowType = "UI", friendlyName = "Check", uiLoginFlowType = "VisualWorkflow" }]
category_groups = [{ dataCategoryGroup = "Regions", visibility = "ALL" }]
"""


@pytest.fixture
def env_org(emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> EmulatorInfo:
    monkeypatch.setenv("APIONLY_INSTANCE_URL", emulator.instance_url)
    monkeypatch.setenv("APIONLY_ACCESS_TOKEN", emulator.new_access_token())
    monkeypatch.setenv("APIONLY_CA_CERT", str(emulator.ca_cert))
    monkeypatch.setenv("APIONLY_POLL_INTERVAL", "0:0")
    return emulator


def test_the_org_round_trip_gives_back_every_entry(env_org: EmulatorInfo, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    extra = {
        "Account": record_type("Partner"),
        "Erp_Order__c": FIELD,
        "Erp": principal("Integration"),
    }
    companions = write_package(tmp_path / "companions", COMPANIONS, extra)
    run("deploy", "start", "-o", "env", "-p", str(tmp_path), "--metadata-dir", str(companions))

    first = tmp_path / "first"
    first.mkdir()
    (first / "apionly.toml").write_text(PROJECT)
    run("deploy", "start", "-o", "env", "-p", str(first))
    run("retrieve", "-o", "env", "-p", str(first), "--all", "--out", str(tmp_path / "r1"))

    adopted = tmp_path / "adopted"
    adopted.mkdir()
    out = run("retrieve", "-o", "env", "-p", str(adopted), "--all", "--to-config")
    assert "PermissionSet  Erp_Every" in out and "Profile  Erp Profile" in out
    run("deploy", "start", "-o", "env", "-p", str(adopted))
    run("retrieve", "-o", "env", "-p", str(adopted), "--all", "--out", str(tmp_path / "r2"))

    for name in ("permissionsets/Erp_Every.permissionset", "profiles/Erp Profile.profile"):
        before = parse_component_file(next((tmp_path / "r1").rglob(f"{Path(name).name}-meta.xml")))
        after = parse_component_file(next((tmp_path / "r2").rglob(f"{Path(name).name}-meta.xml")))
        assert normalised(after) == normalised(before), name
    profile = parse_component_file(next((tmp_path / "r2").rglob("Erp Profile.profile-meta.xml")))
    assert {n.tag for n in profile.extras} >= {
        "applicationVisibilities",
        "layoutAssignments",
        "flowAccesses",
        "customSettingAccesses",
        "externalDataSourceAccesses",
        "loginFlows",
        "categoryGroupVisibilities",
    }
