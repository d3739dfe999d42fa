"""Help, messages and exit codes say what the tool does (the smaller defects of issue #17)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy.check.rules import make
from apionly_deploy.cli import cli
from apionly_deploy.cli.deploy_output import Progress
from apionly_deploy.report.findings import format_text
from tests.conftest import SAMPLE_PROJECT


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, target, ignore=shutil.ignore_patterns(".apionly"))
    return target


@pytest.mark.parametrize("verb", ["report", "cancel"])
def test_report_and_cancel_offer_no_junit_and_do_not_say_deploy(verb: str):
    text = run("deploy", verb, "--help").stdout
    assert "--junit" not in text
    assert "deploy to several orgs" not in text


def test_quick_help_says_where_the_latest_validation_comes_from():
    text = " ".join(run("deploy", "quick", "--help").stdout.split())
    assert "recorded in PROJECT/.apionly/deploys.json" in text


def test_no_recorded_job_is_a_usage_error(tmp_path: Path):
    result = run("deploy", "report", "-o", "local", "-p", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no deploy job for org 'local'")


def test_a_validation_error_in_deploy_start_does_not_advise_no_validate(project: Path):
    toml = project / "apionly.toml"
    toml.write_text(
        toml.read_text().replace(
            'objects = { Account = ["read", "create"', 'objects = { Account = ["create"', 1
        )
    )
    result = run("deploy", "start", "-p", str(project), "-o", "local")
    assert result.exit_code == 1
    assert "validation error(s)" in result.stderr
    assert "--no-validate" not in result.stderr


def test_an_unknown_auth_flow_names_file_line_and_the_flow(tmp_path: Path):
    (tmp_path / "apionly.toml").write_text(
        '[orgs.uat]\nauth = "jwtt"\nlogin_url = "https://acme.my.salesforce.com"\n'
    )
    result = run("deploy", "report", "-o", "uat", "-p", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.startswith(
        f"Error: {tmp_path / 'apionly.toml'}:2: orgs.uat.auth: 'jwtt' is not a login flow "
        "(did you mean 'jwt'?); one of: jwt, "
    )


def test_ao303_names_the_profile(project: Path):
    toml = project / "apionly.toml"
    text = toml.read_text()
    start = text.index("login_ip_ranges = [")
    toml.write_text(text[:start] + text[text.index("]\n", start) + 2 :])
    result = run("validate", "-p", str(project))
    assert "warning AO303 API-only profile 'Billing API Only' has no login IP ranges" in (
        result.stdout
    )
    assert ":1: warning AO303" not in result.stdout


def test_doctor_fix_text_is_a_whole_sentence(project: Path):
    result = run("doctor", "-p", str(project), "-o", "local", "--json")
    [users] = [c for c in json.loads(result.stdout)["checks"] if c["id"] == "users"]
    assert users["fix"].endswith("give it a profile or permission set with api_only = true")


def test_retrieve_of_a_missing_name_exits_1_naming_it(project: Path):
    assert run("deploy", "start", "-p", str(project), "-o", "local").exit_code == 0
    names = ["--permission-set", "Nope", "--permission-set", "ERP_Accounts"]
    result = run("retrieve", "-p", str(project), "-o", "local", *names)
    assert result.exit_code == 1
    assert "not in the org: PermissionSet 'Nope'" in result.stderr
    assert not (project / "retrieved").exists()


def test_init_appends_to_a_gitignore_and_keeps_its_mode(tmp_path: Path):
    ignore = tmp_path / ".gitignore"
    ignore.write_text("node_modules/\n")
    ignore.chmod(0o640)
    result = run("init", str(tmp_path))
    assert f"appended to {ignore}\n" in result.stdout
    assert f"created {ignore}" not in result.stdout
    assert stat.S_IMODE(ignore.stat().st_mode) == 0o640
    assert ignore.read_text().startswith("node_modules/\n# apionly-deploy")


def test_new_files_get_the_usual_mode_not_0600(tmp_path: Path):
    run("init", str(tmp_path))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "apionly.toml").stat().st_mode) == 0o666 & ~umask


def test_severities_are_coloured_only_when_asked():
    finding = make("AO201", "a.xml", 3, "Unknown user permission: X")
    assert "\x1b[1;31merror\x1b[0m AO201" in format_text([finding], color=True)
    assert "\x1b[" not in format_text([finding])


def test_no_color_flag_works_after_the_subcommand_too():
    assert run("validate", "-p", str(SAMPLE_PROJECT), "--no-color").exit_code == 0


def test_deploy_status_is_coloured_on_a_colour_terminal():
    import io

    from apionly_deploy.salesforce.metadata_api import DeployResult

    stream = io.StringIO()
    progress = Progress(stream=stream, live=False, prefix=False, clock=lambda: 0.0, color=True)
    progress.status("local", DeployResult(id="0Af", done=True, status="Failed", success=False))
    assert stream.getvalue().startswith("\x1b[1;31mFailed\x1b[0m")


def test_the_orgs_own_text_in_the_status_line_is_neutralised_not_our_colours():
    """A server's stateDetail cannot clear the screen or start a workflow command."""
    import io

    from apionly_deploy.salesforce.metadata_api import DeployResult

    stream = io.StringIO()
    progress = Progress(stream=stream, live=False, prefix=False, clock=lambda: 0.0, color=True)
    hostile = "x\x1b[2J\n::error::y"
    progress.status(
        "local",
        DeployResult(
            id="0Af", done=False, status="InProgress", success=False, state_detail=hostile
        ),
    )
    line = stream.getvalue()
    assert line.count("\n") == 1 and "\x1b[2J" not in line
    assert line.startswith("\x1b[36mInProgress\x1b[0m")


def test_the_live_line_says_when_the_next_check_comes():
    """On a terminal the one status line shows components, elapsed time and the next check."""
    import io

    from apionly_deploy.salesforce.metadata_api import DeployResult

    stream = io.StringIO()
    progress = Progress(stream=stream, live=True, prefix=False, clock=lambda: 0.0)
    running = DeployResult(
        id="0Af", done=False, status="InProgress", success=False, components_total=4
    )
    progress.status("local", running)
    progress.next_check("local", 2.4)
    assert stream.getvalue().endswith("\r\x1b[2KInProgress  0/4 components  0s  next check in 2s")
    quiet = io.StringIO()
    plain = Progress(stream=quiet, live=False, prefix=False, clock=lambda: 0.0)
    plain.status("local", running)
    plain.next_check("local", 2.4)
    assert "next check" not in quiet.getvalue()  # plain lines, as before
