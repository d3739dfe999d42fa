"""Every untyped element kind (model.elements): diff and risk see it, the local org keeps it,
and a set using every kind survives deploy -> retrieve --to-config -> deploy -> retrieve."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from companions import principal, write_package
from lossless_support import normalised
from test_lossless import ELEMENT_SAMPLES, sample

from apionly_deploy.cli import cli
from apionly_deploy.model.components import Kind
from apionly_deploy.model.elements import BY_TAG, ELEMENTS, Form
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.review.diff import Action, Category, diff_components
from apionly_deploy.review.risk import assess

NS = "http://soap.sforce.com/2006/04/metadata"


def test_every_element_has_a_diff_category() -> None:
    assert {e.category for e in ELEMENTS} <= {c.value for c in Category}


@pytest.mark.parametrize("tag", sorted(ELEMENT_SAMPLES))
def test_diff_reports_each_element_granted_and_revoked(tag: str) -> None:
    """Adding the entry grants (or adds) it, dropping it from a replaced set revokes it."""
    root, data = sample(tag)
    with_entry = parse_component_bytes(data, name="X")
    without = parse_component_bytes(
        data.replace(f"<{tag}>".encode(), b"<!--", 1).replace(f"</{tag}>".encode(), b"-->", 1),
        name="X",
    )
    element = BY_TAG[tag]
    record = element.form is Form.RECORD or element.form is Form.LAYOUT
    (added,) = [c for c in diff_components(without, with_entry) if c.category == element.category]
    assert added.action is (Action.ADD if record else Action.GRANT)
    (dropped,) = [c for c in diff_components(with_entry, without) if c.category == element.category]
    expected = Action.STAYS if root == "Profile" else Action.REMOVE if record else Action.REVOKE
    assert dropped.action is expected


@pytest.mark.parametrize(
    ("tag", "grant", "revoke"),
    [
        ("externalCredentialPrincipalAccesses", "medium", "high"),
        ("externalDataSourceAccesses", "medium", "low"),
        ("flowAccesses", "low", "medium"),
        ("customMetadataTypeAccesses", "low", "medium"),
        ("applicationVisibilities", "low", "low"),
    ],
)
def test_the_documented_risk_of_granting_and_revoking(tag: str, grant: str, revoke: str) -> None:
    """On a permission set (a deploy replaces it, so a dropped entry is revoked)."""
    _, data = sample(tag, Kind.PERMISSION_SET)
    with_entry = parse_component_bytes(data, name="X")
    stripped = data.replace(f"<{tag}>".encode(), b"<!--", 1).replace(
        f"</{tag}>".encode(), b"-->", 1
    )
    without = parse_component_bytes(stripped, name="X")
    category = BY_TAG[tag].category
    (granted,) = [c for c in assess(diff_components(without, with_entry)) if c.category == category]
    (revoked,) = [c for c in assess(diff_components(with_entry, without)) if c.category == category]
    assert (granted.risk, revoked.risk) == (grant, revoke)


EVERY_KIND = """\
[project]
api_version = "67.0"  # newer than the newest schema shipped: futureAccesses is a note

[permission_sets.Every_Kind]
label = "Every kind"
user_permissions = ["ApiEnabled"]
objects = { Account = ["read", "view_all_fields"] }
apex_classes = ["ErpSync"]
agents = ["Erp_Agent"]
apps = { Erp_Console = "visible" }
computing_summaries = ["Erp_Summary"]
custom_metadata_types = ["Erp_Endpoint__mdt"]
custom_settings = { Erp_Switches__c = false }
email_routing_addresses = ["Erp_Inbox"]
external_credential_principals = ["Erp-Integration"]
external_data_sources = ["Erp_Archive"]
flows = ["Erp_Sync"]
service_presence_statuses = ["Busy"]
other = { futureAccesses = [{ enabled = "true", thing = "Erp" }] }

# the schema requires every flag of a scope
[[permission_sets.Every_Kind.dataspace_scopes]]
dataAccessLevel = "ALL"
dataspaceScope = "default"
customizeDataApplicationDefinitions = "false"
customizeDataObjSecondaryIndexDefinitions = "false"
customizeDataShareDefinitions = "false"
customizeFTestDataspaceScopedDefinition = "false"
customizeMLPredictionDefinitions = "false"
customizeSemanticSearchDefinitions = "false"
viewDataApplicationDefinitions = "false"
viewDataObjSecondaryIndexDefinitions = "false"
viewDataShareDefinitions = "false"
viewFTestDataspaceScopedDefinition = "false"
viewMLPredictionDefinitions = "false"
viewSemanticSearchDefinitions = "false"
"""

#: The components EVERY_KIND names, which a real org needs before the set deploys.
EVERY_KIND_NEEDS = {
    "ApexClass": ["ErpSync"],
    "CustomApplication": ["Erp_Console"],
    "CustomObject": ["Erp_Endpoint__mdt", "Erp_Switches__c"],
    "ExternalCredential": ["Erp"],
    "ExternalDataSource": ["Erp_Archive"],
    "Flow": ["Erp_Sync"],
}

PLACEHOLDER = """\
[project]
api_version = "67.0"

[permission_sets.Placeholder]
label = "Placeholder"
"""


def test_a_set_with_every_kind_survives_the_local_org_round_trip(tmp_path: Path) -> None:
    """deploy -> retrieve --to-config -> deploy -> retrieve: the set holds what it held."""
    runner = CliRunner()
    project = tmp_path / "project"
    project.mkdir()
    (project / "apionly.toml").write_text(EVERY_KIND)

    def run(*args: str) -> str:
        result = runner.invoke(cli, [*args, "-p", str(project)])
        assert result.exit_code == 0, result.output
        return result.stdout

    refused = runner.invoke(cli, ["deploy", "start", "-p", str(project), "-o", "local"])
    assert refused.exit_code == 1  # a real org refuses names it does not have
    assert "In field: flow - no Flow named Erp_Sync found" in refused.output
    companions = write_package(
        tmp_path / "companions", EVERY_KIND_NEEDS, {"Erp": principal("Integration")}
    )
    run("deploy", "start", "-o", "local", "--metadata-dir", str(companions))
    run("deploy", "start", "-o", "local")
    run(
        "retrieve",
        "-o",
        "local",
        "--permission-set",
        "Every_Kind",
        "--out",
        str(tmp_path / "first"),
    )
    first_file = next((tmp_path / "first").rglob("Every_Kind.permissionset-meta.xml"))
    first = parse_component_file(first_file)
    assert {n.tag for n in first.extras} == {
        *(e.tag for e in ELEMENTS if Kind.PERMISSION_SET in e.kinds),
        "futureAccesses",
    }

    (project / "apionly.toml").write_text(PLACEHOLDER)
    out = run("retrieve", "-o", "local", "--permission-set", "Every_Kind", "--to-config")
    assert "added 1 table(s)" in out
    run("deploy", "start", "-o", "local")
    shutil.rmtree(project / "retrieved")
    run(
        "retrieve",
        "-o",
        "local",
        "--permission-set",
        "Every_Kind",
        "--out",
        str(tmp_path / "second"),
    )
    second = parse_component_file(
        next((tmp_path / "second").rglob("Every_Kind.permissionset-meta.xml"))
    )
    assert normalised(second) == normalised(first)


def test_muting_sets_are_declared_deployed_and_retrieved(tmp_path: Path) -> None:
    """A [muting_permission_sets] table deploys, and retrieve --all brings it back."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "apionly.toml").write_text(
        PLACEHOLDER
        + '\n[muting_permission_sets.Muted]\nlabel = "Muted"\nuser_permissions = ["ExportReport"]\n'
        + '\n[permission_set_groups.G]\npermission_sets = ["Placeholder"]\n'
        + 'muting_permission_sets = ["Muted"]\n'
    )
    runner = CliRunner()
    deployed = runner.invoke(cli, ["deploy", "start", "-p", str(project), "-o", "local"])
    assert deployed.exit_code == 0, deployed.output
    got = runner.invoke(cli, ["retrieve", "-p", str(project), "-o", "local", "--all"])
    assert got.exit_code == 0, got.output
    assert "  MutingPermissionSet  Muted\n" in got.stdout
    muted = parse_component_file(
        next((project / "retrieved").rglob("Muted.mutingpermissionset-meta.xml"))
    )
    assert [(p.name, p.enabled) for p in muted.user_permissions] == [("ExportReport", True)]


@pytest.mark.parametrize("tag", sorted(ELEMENT_SAMPLES))
def test_the_local_org_stores_and_returns_each_element(tag: str) -> None:
    """What the org keeps for a deployed component (its own writer) parses back whole."""
    from apionly_deploy.emulator import components
    from apionly_deploy.emulator.store import StoredComponent

    _, data = sample(tag)
    deployed = parse_component_bytes(data, name="X")
    xml = components.stored_xml(deployed)
    kind = deployed.kind.value
    stored = StoredComponent(kind, "X", f"x/X.{deployed.kind.suffix}", xml, "0PS", 0.0, 0.0)
    assert normalised(components.load(stored)) == normalised(deployed)
    assert normalised(parse_component_bytes(components.served_xml(stored), name="X")) == normalised(
        deployed
    )


def test_a_missing_class_fails_its_set_and_the_good_one_is_rolled_back(tmp_path: Path) -> None:
    """The set naming a class the org lacks fails at its line; the good set beside it is
    reported as not deployed, since the org rolled the whole deploy back."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "apionly.toml").write_text(
        PLACEHOLDER + '\n[permission_sets.Bad]\nlabel = "Bad"\napex_classes = ["ErpSync"]\n'
    )
    result = CliRunner().invoke(
        cli, ["deploy", "start", "-p", str(project), "-o", "local", "--json"]
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    (failure,) = doc["component_failures"]
    assert failure["problem"] == "In field: apexClass - no ApexClass named ErpSync found"
    assert (Path(failure["file"]).name, failure["line"]) == ("apionly.toml", 9)  # apex_classes
    (good,) = [s for s in doc["component_successes"] if s["name"] == "Placeholder"]
    assert (good["deployed"], good["created"]) == (False, False)
