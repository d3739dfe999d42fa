"""`apionly-deploy validate`: flags, formats, exit codes, stdout/stderr split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from validate_support import permission_set, user

from apionly_deploy.cli import cli

REPO = Path(__file__).resolve().parent.parent
REAL = Path(__file__).parent / "fixtures" / "real-metadata"


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


def test_warnings_only_exit_0_and_fail_on_warning_exits_1():
    path = str(REAL / "gsa__OrgWide_API_Only_User_System.permissionset-meta.xml")
    result = run(path)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        f"{path}:6: warning AO101 ApiUserOnly is granted without ApiEnabled\n"
    )
    assert result.stderr == "0 errors, 1 warning, 0 notes in 1 file\n"
    assert run("--fail-on", "warning", path).exit_code == 1


def test_errors_exit_1_with_json(tmp_path):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(permission_set(user("ApiEnabeld")))
    result = run("--format", "json", str(path))
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert (finding["rule"], finding["line"], finding["hint"]) == (
        "AO201",
        4,
        "Did you mean ApiEnabled?",
    )


def test_clean_file_prints_nothing_on_stdout(tmp_path):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(permission_set(user("ApiEnabled")))
    result = run(str(path))
    assert (result.exit_code, result.stdout) == (0, "")


def test_github_and_sarif_formats(tmp_path):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(permission_set(user("Nope")))
    github = run("--format", "github", str(path))
    assert github.stdout.startswith("::error file=") and github.exit_code == 1
    sarif = json.loads(run("--format", "sarif", str(path)).stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "AO201"


def test_api_version_flag(tmp_path):
    path = tmp_path / "S.permissionset-meta.xml"
    path.write_bytes(
        (
            REAL / "edenred__sfdcInternalInt__sfdc_activityplatform.permissionset-meta.xml"
        ).read_bytes()
    )
    assert run(str(path)).exit_code == 0
    assert run("--api-version", "62.0", str(path)).exit_code == 1


def test_no_project_and_no_path_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 3
    assert "no apionly.toml" in result.stderr


def test_project_validation_of_the_sample_project(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(REPO / "sample-project", project)
    result = run("-p", str(project))
    assert result.exit_code == 0, result.output
    assert result.stderr == "no findings\n"


def test_help_mentions_formats():
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0 and "sarif" in result.stdout
