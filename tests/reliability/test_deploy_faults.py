"""`deploy start` through the real CLI with a fault at every step of a deploy.

For every case: the outcome printed is the org's own record of the job, the deploy request
reaches the org at most once, and the exit code says what happened. The emulator injects the
faults (see docs/emulator.md); the CLI runs in process with millisecond retry back-offs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.salesforce.deploy import JobStore

from .support import (
    Cli,
    deploy_jobs,
    json_of,
    secret_env,
    wait_for,
    write_metadata_dir,
    write_project,
)

pytestmark = pytest.mark.usefixtures("fast_retries")

#: A deploy of more components than PollPolicy.small_deploy asks for details only at the end.
BIG = 101


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorInfo) -> Path:
    return write_project(tmp_path / "project", {"emu": emulator})


@pytest.fixture
def run(emulator: EmulatorInfo) -> Cli:
    return Cli({**secret_env({"emu": emulator}), "APIONLY_POLL_INTERVAL": "0:0"})


def inject(info: EmulatorInfo, fault: str, *, match: str, after: int = 0) -> None:
    """Make the ``after+1``-th call of ``match`` fail with ``fault``."""
    faults = info.faults
    if fault == "drop":
        faults.drop_connection(match=match, after=after)
    elif fault == "503":
        faults.http_error(503, match=match, after=after)
    elif fault == "limit":
        faults.request_limit_exceeded(match=match, after=after)
    elif fault == "lost":
        faults.lose_response(match=match, after=after)
    elif fault == "slow":  # past the client's read timeout (APIONLY_HTTP_TIMEOUT)
        faults.latency(1.0, match=match, after=after, times=1)
    else:
        raise AssertionError(fault)


def deploy(run: Cli, project: Path, folder: Path, *extra: str):
    return run(
        "deploy",
        "start",
        "-p",
        str(project),
        "-o",
        "emu",
        "--metadata-dir",
        str(folder),
        "--json",
        *extra,
    )


FAULTS = ["drop", "503", "limit", "lost", "slow"]
#: (name, components, emulator polls to finish, checkDeployStatus calls let through first)
POLL_STEPS = [
    ("first-poll", 1, 3, 0),
    ("middle-poll", 1, 3, 1),
    ("final-poll", 1, 3, 2),
    ("final-details", BIG, 2, 2),
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize(
    ("step", "size", "polls", "after"), POLL_STEPS, ids=[s[0] for s in POLL_STEPS]
)
def test_a_fault_while_following_is_retried_and_the_true_outcome_reported(
    emulator, project, run, tmp_path, monkeypatch, fault, step, size, polls, after
):
    emulator.configure(deploy_polls=polls)
    folder = write_metadata_dir(tmp_path / "md", [f"Set{i}" for i in range(size)])
    if fault == "slow":
        run.env["APIONLY_HTTP_TIMEOUT"] = "0.4"
    inject(emulator, fault, match="checkDeployStatus", after=after)
    result = deploy(run, project, folder)
    assert result.exit_code == 0, result.output
    (job_id, status), *others = deploy_jobs(emulator)
    assert others == [] and status == "Succeeded"
    doc = json_of(result.stdout)
    assert (doc["id"], doc["status"], doc["success"], doc["exit_code"]) == (
        job_id,
        "Succeeded",
        True,
        0,
    )
    assert doc["counts"]["components_deployed"] == size
    assert emulator.requests.count("deploy") == 1
    assert [(j.id, j.status) for j in JobStore(project).jobs()] == [(job_id, "Succeeded")]


@pytest.mark.parametrize("fault", ["drop", "503", "limit"])
def test_a_refused_submit_deploys_nothing_and_exits_4(emulator, project, run, tmp_path, fault):
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    inject(emulator, fault, match="deploy")
    result = deploy(run, project, folder)
    assert result.exit_code == 4
    assert deploy_jobs(emulator) == []
    assert emulator.requests.count("deploy") == 1  # never resent
    assert emulator.requests.count("checkDeployStatus") == 0
    assert JobStore(project).jobs() == []
    doc = json_of(result.stdout)
    assert (doc["id"], doc["success"], doc["exit_code"]) == (None, False, 4)


@pytest.mark.parametrize("fault", ["lost", "slow"])
def test_a_lost_answer_to_the_submit_warns_that_the_deploy_may_be_running(
    emulator, project, run, tmp_path, fault
):
    """The org took the deploy but the answer never came: not resent, and the user is told."""
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    if fault == "slow":
        run.env["APIONLY_HTTP_TIMEOUT"] = "0.4"
    inject(emulator, fault, match="deploy")
    result = deploy(run, project, folder)
    assert result.exit_code == 4
    wait_for(lambda: emulator.requests.count("deploy") == 1)  # the slow org is done with it
    assert len(deploy_jobs(emulator)) == 1  # it exists in the org...
    assert emulator.requests.count("deploy") == 1  # ...and was sent once
    error = json_of(result.stdout)["error"]
    assert "may have started the deploy" in error and "Deployment Status" in error


@pytest.mark.parametrize("fault", ["drop", "503"])
def test_a_failed_login_deploys_nothing(emulator, project, run, tmp_path, fault):
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    inject(emulator, fault, match="token")
    result = deploy(run, project, folder)
    assert result.exit_code == 4
    assert emulator.requests.count("deploy") == 0 and deploy_jobs(emulator) == []


def test_a_failed_deploy_under_faults_reports_the_org_failure(emulator, project, run, tmp_path):
    emulator.configure(deploy_polls=3)
    folder = write_metadata_dir(tmp_path / "md", ["Bad"], permission="NoSuchPermission")
    inject(emulator, "503", match="checkDeployStatus", after=1)
    inject(emulator, "drop", match="checkDeployStatus", after=2)
    result = deploy(run, project, folder)
    assert result.exit_code == 1
    [(job_id, status)] = deploy_jobs(emulator)
    doc = json_of(result.stdout)
    assert (doc["id"], doc["status"], status) == (job_id, "Failed", "Failed")
    assert doc["component_failures"][0]["problem"] == "Unknown user permission: NoSuchPermission"
    assert emulator.requests.count("deploy") == 1


def test_session_expiry_mid_poll_logs_in_again(emulator, project, run, tmp_path):
    """The session dies on the second poll (its third call): one new login, one deploy."""
    emulator.configure(deploy_polls=3)
    emulator.faults.expire_sessions_after(2)
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    result = deploy(run, project, folder)
    assert result.exit_code == 0, result.output
    [(job_id, status)] = deploy_jobs(emulator)
    assert json_of(result.stdout)["id"] == job_id and status == "Succeeded"
    assert emulator.requests.count("token") == 2 and emulator.requests.count("deploy") == 1


def test_expired_access_token_names_the_running_job_and_resume_finishes_it(
    emulator, tmp_path, monkeypatch
):
    """An access token cannot be renewed: exit 3, but the job id and the resume command are
    given, and `deploy resume` with a fresh token reports the org's outcome."""
    emulator.configure(deploy_polls=4)
    emulator.faults.expire_sessions_after(2)
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    env = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_CA_CERT": str(emulator.ca_cert),
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_POLL_INTERVAL": "0:0",
    }
    run = Cli(env)
    result = run(
        "deploy", "start", "-p", str(tmp_path), "-o", "env", "--metadata-dir", str(folder), "--json"
    )
    assert result.exit_code == 3
    [(job_id, _)] = deploy_jobs(emulator)
    doc = json_of(result.stdout)
    assert doc["id"] == job_id
    assert f"deploy resume -p {tmp_path} -o env --job-id {job_id}" in doc["error"]
    emulator.faults.expire_sessions_after(None)
    run.env["APIONLY_ACCESS_TOKEN"] = emulator.new_access_token()
    resumed = run("deploy", "resume", "-p", str(tmp_path), "-o", "env")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.startswith(f"Deploy {job_id} on env: Succeeded")
    assert deploy_jobs(emulator) == [(job_id, "Succeeded")]
    assert emulator.requests.count("deploy") == 1


def test_faults_until_the_deadline_exit_4_and_resume_gets_the_outcome(
    emulator, project, run, tmp_path
):
    emulator.configure(deploy_polls=2)
    emulator.faults.http_error(503, match="checkDeployStatus", times=None)
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    result = deploy(run, project, folder, "--wait", "0.02")
    assert result.exit_code == 4
    [(job_id, _)] = deploy_jobs(emulator)
    doc = json_of(result.stdout)
    assert doc["id"] == job_id and "did not finish within" in doc["error"]
    assert f"--job-id {job_id}" in doc["error"]
    assert JobStore(project).find(job_id) is not None
    emulator.faults.clear()
    resumed = run("deploy", "resume", "-p", str(project), "-o", "emu", "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json_of(resumed.stdout)["status"] == "Succeeded"
    assert deploy_jobs(emulator) == [(job_id, "Succeeded")]
    assert emulator.requests.count("deploy") == 1


def test_report_under_a_fault_tells_the_true_state(emulator, project, run, tmp_path):
    emulator.configure(never_finish=True)
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    started = deploy(run, project, folder, "--async")
    assert started.exit_code == 0
    [(job_id, _)] = deploy_jobs(emulator)
    inject(emulator, "drop", match="checkDeployStatus")
    report = run("deploy", "report", "-p", str(project), "-o", "emu", "--json")
    assert report.exit_code == 0, report.output
    [(_, status)] = deploy_jobs(emulator)
    doc = json_of(report.stdout)
    assert (doc["id"], doc["status"]) == (job_id, status) and status == "InProgress"
