"""sfdx repositories through the CLI: bare validate, import, render into force-app, deploy
--source-dir, and the source-to-mdapi conversion behind it."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy.cli import cli
from apionly_deploy.errors import ConfigError, ContentError
from apionly_deploy.model.sfdx import load_sfdx_project
from apionly_deploy.render.convert import convert_source
from apionly_deploy.render.package_dir import OWNED_FILE
from apionly_deploy.salesforce.deploy.payload import from_source_dirs
from tests.sfdx_support import make_sfdx_repo, snapshot

PS = "force-app/main/default/permissionsets/Erp_Sync.permissionset-meta.xml"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_sfdx_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def test_the_issue_walkthrough(repo: Path):
    """validate --json, import, render into force-app, deploy --source-dir and -p . to local."""
    checked = run("validate", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["checked"] == [PS]

    assert run("import", "force-app").exit_code == 0
    assert "[permission_sets.Erp_Sync]" in (repo / "apionly.toml").read_text()

    before = snapshot(repo)
    rendered = run("render", "--format", "source", "--out", "force-app")
    assert rendered.exit_code == 0, rendered.output
    after = snapshot(repo)
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed <= {PS, f"force-app/{OWNED_FILE}"}
    assert json.loads(after[f"force-app/{OWNED_FILE}"])["files"] == [PS.split("/", 1)[1]]

    deployed = run("deploy", "start", "--source-dir", "force-app", "-o", "local")
    assert deployed.exit_code == 0, deployed.output
    assert "created    ApexClass      ErpSync" in deployed.stdout
    assert "lwc/erpCard/erpCard.js" in deployed.stderr  # left out, and said so

    again = run("deploy", "start", "-p", ".", "-w", "2", env={"APIONLY_TARGET_ORG": "local"})
    assert again.exit_code == 0, again.output


def test_render_into_a_package_dir_removes_only_the_files_of_dropped_components(repo: Path):
    (repo / "apionly.toml").write_text(
        '[permission_sets.Kept]\nlabel = "Kept"\n[permission_sets.Dropped]\nlabel = "Dropped"\n'
    )
    assert run("render", "--out", "force-app").exit_code == 0
    dropped = repo / "force-app/main/default/permissionsets/Dropped.permissionset-meta.xml"
    assert dropped.is_file()
    (repo / "apionly.toml").write_text('[permission_sets.Kept]\nlabel = "Kept"\n')
    before = snapshot(repo)
    result = run("render", "--out", "force-app", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["removed"] == [
        "main/default/permissionsets/Dropped.permissionset-meta.xml"
    ]
    assert not dropped.exists()
    assert (repo / PS).read_bytes() == before[PS]  # the hand-written set is not ours


def test_render_replaces_a_component_where_the_repository_keeps_it(repo: Path):
    moved = repo / "force-app/erp/permissionsets/Erp_Sync.permissionset-meta.xml"
    moved.parent.mkdir(parents=True)
    (repo / PS).rename(moved)
    assert run("import", "force-app").exit_code == 0
    assert run("render", "--out", "force-app").exit_code == 0
    assert not (repo / PS).exists()
    assert b"<label>Erp Sync</label>" in moved.read_bytes()


def test_mdapi_into_a_package_dir_is_a_usage_error(repo: Path):
    (repo / "apionly.toml").write_text('[permission_sets.Kept]\nlabel = "Kept"\n')
    result = run("render", "--format", "mdapi", "--out", "force-app")
    assert result.exit_code == 2
    assert "use --format source" in result.stderr


def test_bare_validate_reports_findings_at_the_source_api_version(repo: Path):
    (repo / PS).write_text((repo / PS).read_text().replace("ApiEnabled", "ApiEnabeld"))
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{PS}:")
    assert "AO201" in result.stdout


def test_bare_validate_without_project_or_sfdx_exits_3(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 3
    assert "no apionly.toml (nor sfdx-project.json)" in result.stderr


def test_metadata_dir_on_a_source_folder_points_at_source_dir(repo: Path):
    result = run("deploy", "start", "--metadata-dir", "force-app", "-o", "local")
    assert result.exit_code == 1
    assert "use --source-dir" in result.stderr


def test_conversion_recomposes_objects_and_writes_package_xml(repo: Path):
    payload, left_out = from_source_dirs([repo / "force-app"], api_version="62.0")
    with zipfile.ZipFile(BytesIO(payload.zip_bytes)) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    assert sorted(files) == [
        "classes/ErpSync.cls",
        "classes/ErpSync.cls-meta.xml",
        "objects/Invoice__c.object",
        "package.xml",
        "permissionsets/Erp_Sync.permissionset",
    ]
    assert b"<fields>\n        <fullName>Amount__c</fullName>" in files["objects/Invoice__c.object"]
    assert b"<members>Invoice__c</members>" in files["package.xml"]
    assert b"<version>62.0</version>" in files["package.xml"]
    assert [Path(p).name for p in left_out] == ["erpCard.js", "erpCard.js-meta.xml"]


def test_a_component_in_two_source_dirs_is_refused(repo: Path):
    other = repo / "other/permissionsets"
    other.mkdir(parents=True)
    (other / "Erp_Sync.permissionset-meta.xml").write_bytes((repo / PS).read_bytes())
    with pytest.raises(ContentError, match="more than one source folder"):
        convert_source([repo / "force-app", repo / "other"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("{}", 'no "packageDirectories"'),
        ('{"packageDirectories": [{"path": "../x"}]}', "outside the repository"),
    ],
)
def test_a_broken_sfdx_project_json_is_named(tmp_path: Path, text: str, message: str):
    (tmp_path / "sfdx-project.json").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_sfdx_project(tmp_path)
