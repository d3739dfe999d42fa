"""`apionly-deploy deploy ...` against the local org: exact output, exit codes, report files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from apionly_deploy.cli import cli
from apionly_deploy.salesforce.deploy import JobStore
from tests.reliability.support import write_metadata_dir

SAMPLE = Path(__file__).resolve().parent.parent / "sample-project"


def metadata_dir(tmp_path: Path, name: str, permission: str = "ApiEnabled") -> Path:
    return write_metadata_dir(tmp_path / f"md-{name}", [name], permission=permission)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns(".apionly"))
    return target


@pytest.fixture
def env_org(emulator, monkeypatch) -> dict[str, str]:
    """`-o env` pointed at the emulator (access token), polling without waits."""
    emulator.configure(deploy_polls=1)
    values = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_CA_CERT": str(emulator.ca_cert),
        "APIONLY_POLL_INTERVAL": "0:0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_readme_main_job_deploys_the_sample_project_to_the_local_org(project):
    """`deploy start -p sample-project -o local`: render, validate, package, deploy, summary."""
    result = invoke("deploy", "start", "-p", str(project), "-o", "local")
    assert result.exit_code == 0, result.output
    job = JobStore(project).latest("local")
    assert result.stdout == (
        f"Deploy {job.id} on local: Succeeded (4/4 components)\n"
        "  created    PermissionSet       ERP_Accounts\n"
        "  created    PermissionSet       ERP_Orders\n"
        "  created    PermissionSetGroup  ERP_Integration\n"
        "  created    Profile             Billing API Only\n"
    )
    assert result.stderr == f"deploy {job.id} started\nSucceeded  4/4 components\n"
    assert (project / ".apionly" / "local-org").is_dir()
    again = invoke("deploy", "start", "-p", str(project), "-o", "local")
    assert again.exit_code == 0
    assert "  unchanged" in again.stdout or "  changed" in again.stdout


def test_component_failure_prints_file_line_col_and_exits_1(env_org, tmp_path):
    folder = metadata_dir(tmp_path, "Bad", "NoSuchPermission")
    result = invoke(
        "deploy", "start", "--metadata-dir", str(folder), "-o", "env", "-p", str(tmp_path)
    )
    assert result.exit_code == 1
    job = JobStore(tmp_path).latest("env")
    assert result.stdout == (
        f"Deploy {job.id} on env: Failed (0/1 components, 1 component error(s))\n"
        f"  {folder}/permissionsets/Bad.permissionset:4:5  Unknown user permission: "
        "NoSuchPermission  [PermissionSet Bad]\n"
    )


def test_json_junit_and_github_outputs(env_org, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    folder = metadata_dir(tmp_path, "Bad", "NoSuchPermission")
    junit = tmp_path / "out" / "deploy.xml"
    result = invoke(
        "deploy",
        "start",
        "--metadata-dir",
        str(folder),
        "-o",
        "env",
        "-p",
        str(tmp_path),
        "--json",
        "--junit",
        str(junit),
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["status"], doc["success"], doc["exit_code"], doc["org"]) == (
        "Failed",
        False,
        1,
        "env",
    )
    (failure,) = doc["component_failures"]
    assert failure == {
        "type": "PermissionSet",
        "name": "Bad",
        "file": f"{folder}/permissionsets/Bad.permissionset",
        "line": 4,
        "column": 5,
        "problem": "Unknown user permission: NoSuchPermission",
        "problem_type": "Error",
        "org_file": "permissionsets/Bad.permissionset",
        "org_line": 4,
        "org_column": 5,
    }
    suite = etree.parse(str(junit)).getroot()
    assert suite.get("tests") == "1" and suite.get("failures") == "1"
    case = suite.find("testsuite/testcase")
    assert (case.get("classname"), case.get("name")) == ("PermissionSet", "Bad")
    assert "Bad.permissionset:4:5" in case.find("failure").text
    annotation = (
        f"::error file={folder}/permissionsets/Bad.permissionset,line=4,col=5,"
        "title=Deploy to env::Unknown user permission%3A NoSuchPermission [PermissionSet Bad]"
    )
    assert annotation.replace("%3A", ":") in result.stderr
    assert "| env | ❌ Failed | 0/1 | 1 |" in summary.read_text()


def test_validate_then_quick_deploy_by_latest_job(env_org, tmp_path):
    folder = metadata_dir(tmp_path, "Good")
    validated = invoke(
        "deploy", "validate", "--metadata-dir", str(folder), "-o", "env", "-p", str(tmp_path)
    )
    assert validated.exit_code == 0, validated.output
    job = JobStore(tmp_path).latest("env", kind="validate")
    assert f"Quick deploy it with: apionly-deploy deploy quick -o env --job-id {job.id}" in (
        validated.stdout
    )
    quick = invoke("deploy", "quick", "-o", "env", "-p", str(tmp_path))
    assert quick.exit_code == 0, quick.output
    assert quick.stdout.startswith("Quick deploy ") and ": Succeeded" in quick.stdout


def test_async_report_resume(env_org, tmp_path):
    folder = metadata_dir(tmp_path, "Good")
    started = invoke(
        "deploy",
        "start",
        "--metadata-dir",
        str(folder),
        "-o",
        "env",
        "-p",
        str(tmp_path),
        "--async",
    )
    assert started.exit_code == 0
    job = JobStore(tmp_path).latest("env")
    assert started.stdout == (
        f"Deploy {job.id} started on env; follow it with: apionly-deploy deploy resume "
        f"-p {tmp_path} -o env --job-id {job.id}\n"
    )
    resumed = invoke("deploy", "resume", "-o", "env", "-p", str(tmp_path), "--json")
    assert resumed.exit_code == 0
    assert json.loads(resumed.stdout)["status"] == "Succeeded"
    report = invoke("deploy", "report", "-o", "env", "-p", str(tmp_path), "--job-id", job.id)
    assert report.exit_code == 0 and f"Deploy {job.id} on env: Succeeded" in report.stdout


def test_cancel_verb(emulator, env_org, tmp_path):
    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good")
    invoke(
        "deploy",
        "start",
        "--metadata-dir",
        str(folder),
        "-o",
        "env",
        "-p",
        str(tmp_path),
        "--async",
    )
    result = invoke("deploy", "cancel", "-o", "env", "-p", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert ": Canceled" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["deploy", "report", "-o", "env"], 2, "Error: no deploy job for org 'env'"),
        (
            ["deploy", "report", "-o", "env", "--job-id", "0Af000000000000AAA"],
            2,
            "no such job in this org",
        ),
        (["deploy", "start", "-o", "nope"], 3, "Error: "),
    ],
)
def test_one_line_errors(env_org, tmp_path, args, code, message):
    result = invoke(*args, "-p", str(tmp_path))
    assert result.exit_code == code
    assert message in result.stderr and result.stderr.count("\n") <= 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("value", "message"), [("nan", "not NaN"), ("inf", "inf is not in")])
@pytest.mark.parametrize("verb", [["deploy", "resume"], ["retrieve", "--all"]])
def test_wait_must_be_a_finite_number(tmp_path, verb, value, message):
    result = invoke(*verb, "-o", "env", "-p", str(tmp_path), "--wait", value)
    assert result.exit_code == 2
    assert "Error: Invalid value for '-w' / '--wait': " in result.stderr
    assert message in result.stderr


def test_zip_and_metadata_dir_together_is_a_usage_error(tmp_path):
    folder = metadata_dir(tmp_path, "Good")
    (tmp_path / "x.zip").write_bytes(b"")
    result = invoke(
        "deploy",
        "start",
        "-o",
        "env",
        "--zip",
        str(tmp_path / "x.zip"),
        "--metadata-dir",
        str(folder),
    )
    assert result.exit_code == 2


def test_malformed_zip_is_refused_before_upload(env_org, emulator, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = invoke("deploy", "start", "--zip", str(bad), "-o", "env", "-p", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: not a valid zip file")
    assert emulator.requests.count("deploy") == 0


def test_server_answering_non_xml_is_a_one_line_remote_error(env_org, emulator, tmp_path):
    emulator.faults.http_error(502, match="deploy", times=1)
    folder = metadata_dir(tmp_path, "Good")
    result = invoke(
        "deploy", "start", "--metadata-dir", str(folder), "-o", "env", "-p", str(tmp_path)
    )
    assert result.exit_code == 4
    assert result.stderr.splitlines()[-1].startswith("Error: 127.0.0.1:")
    assert "HTTP 502" in result.stderr


def test_several_targets_print_a_summary_table(emulator, tmp_path, monkeypatch):
    emulator.configure(deploy_polls=1)
    project = tmp_path / "multi"
    project.mkdir()
    (project / "apionly.toml").write_text(
        "[project]\nname = 'multi'\n\n"
        f"[orgs.uat]\nauth = 'client-credentials'\nlogin_url = '{emulator.login_url}'\n"
        f"client_id = '{emulator.client_id}'\nca_cert = '{emulator.ca_cert}'\n\n"
        f"[orgs.prod]\nauth = 'client-credentials'\nlogin_url = '{emulator.login_url}'\n"
        f"client_id = '{emulator.client_id}'\nca_cert = '{emulator.ca_cert}'\n"
    )
    monkeypatch.setenv("APIONLY_UAT_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.setenv("APIONLY_PROD_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.setenv("APIONLY_POLL_INTERVAL", "0:0")
    folder = metadata_dir(tmp_path, "Good")
    result = invoke(
        "deploy",
        "start",
        "--metadata-dir",
        str(folder),
        "-p",
        str(project),
        "-o",
        "uat",
        "-o",
        "prod",
    )
    assert result.exit_code == 0, result.output
    table = result.stdout.split("\n\n")[-1].splitlines()
    assert table[0].split() == ["ORG", "STATUS", "COMPONENTS", "ERRORS", "TESTS", "JOB"]
    assert [row.split()[:3] for row in table[1:]] == [
        ["uat", "Succeeded", "1/1"],
        ["prod", "Succeeded", "1/1"],
    ]
    assert "[uat] deploy " in result.stderr and "[prod] deploy " in result.stderr


def test_resume_after_the_client_process_is_killed(emulator, tmp_path, monkeypatch):
    """Kill -9 the deploying process mid-poll; `deploy resume` picks the job up from the file."""
    org_time = [1_000_000.0]
    emulator.configure(deploy_polls=None, deploy_seconds=100.0, clock=lambda: org_time[0])
    folder = metadata_dir(tmp_path, "Good")
    values = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_CA_CERT": str(emulator.ca_cert),
        "APIONLY_POLL_INTERVAL": "0.05:0.05",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apionly_deploy",
            "deploy",
            "start",
            "--metadata-dir",
            str(folder),
            "-o",
            "env",
            "-p",
            str(tmp_path),
        ],
        env={**os.environ, **values},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while emulator.requests.count("checkDeployStatus") < 2:  # it is polling now
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    (job,) = JobStore(tmp_path).jobs()
    assert job.status == "Queued"  # the client died before it learnt the outcome
    org_time[0] += 100  # meanwhile the org finishes the deploy
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    result = invoke("deploy", "resume", "-o", "env", "-p", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Deploy {job.id} on env: Succeeded (1/1 components)")
    assert JobStore(tmp_path).find(job.id).status == "Succeeded"
    assert emulator.requests.count("deploy") == 1


def test_help_lists_every_verb():
    result = invoke("deploy", "--help")
    for verb in ("start", "validate", "quick", "report", "resume", "cancel"):
        assert f"  {verb} " in result.stdout
