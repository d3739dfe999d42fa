"""The deployer end to end against the local org emulator over HTTPS on 127.0.0.1.

Nothing is mocked: each test logs in with a real flow, posts real SOAP and polls. Sleep and the
client's clock are injected (the emulator finishes a deploy after N polls), so no test waits.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from apionly_deploy.errors import (
    AuthError,
    ConfigError,
    DeployTimeout,
    Detached,
    NetworkError,
    RequestRefused,
    UnknownJobError,
)
from apionly_deploy.salesforce.auth import OrgConfig, org_config_from_table, org_from_env
from apionly_deploy.salesforce.deploy import (
    Hooks,
    JobStore,
    Outcome,
    Plan,
    PollPolicy,
    TargetRun,
    Verb,
    from_metadata_dir,
    from_project,
    run_target,
    run_targets,
)
from apionly_deploy.salesforce.metadata_api import DeployOptions, DeployStatus, TestLevel

SAMPLE = Path(__file__).resolve().parent.parent / "sample-project"
BAD_PERMSET = """<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Bad</label>
    <userPermissions>
        <enabled>true</enabled>
        <name>NoSuchPermission</name>
    </userPermissions>
</PermissionSet>
"""
PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>{name}</members>
        <name>PermissionSet</name>
    </types>
    <version>62.0</version>
</Package>
"""
GOOD_PERMSET = """<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>Good</label>
    <userPermissions>
        <enabled>true</enabled>
        <name>ApiEnabled</name>
    </userPermissions>
</PermissionSet>
"""


class FakeClock:
    """The client's clock: it moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns(".apionly"))
    return target


def metadata_dir(tmp_path: Path, name: str, body: str) -> Path:
    folder = tmp_path / f"md-{name}"
    (folder / "permissionsets").mkdir(parents=True)
    (folder / "package.xml").write_text(PACKAGE.format(name=name))
    (folder / "permissionsets" / f"{name}.permissionset").write_text(body)
    return folder


def org_of(emulator, flow: str = "client-credentials", **extra: str) -> OrgConfig:
    table = {
        "auth": flow,
        "login_url": emulator.login_url,
        "client_id": emulator.client_id,
        "ca_cert": str(emulator.ca_cert),
        **extra,
    }
    return org_config_from_table("emu", table, base_dir=Path("/"))


def env_of(emulator) -> dict[str, str]:
    return {"APIONLY_EMU_CLIENT_SECRET": emulator.client_secret}


def run(
    org: OrgConfig,
    action,
    tmp_path: Path,
    clock: FakeClock,
    *,
    verb: Verb = Verb.START,
    env: dict[str, str] | None = None,
    sleep=None,
    wait: float = 600.0,
    events: list[str] | None = None,
) -> Outcome:
    hooks = Hooks(
        sleep=sleep or clock.sleep,
        clock=clock,
        policy=PollPolicy(),
        on_event=(lambda org, msg: events.append(msg)) if events is not None else None,
    )
    plan = Plan(project_dir=tmp_path, verb=verb, wait=wait, environ=env or {})
    return run_target(org, action, plan, hooks)


def start(payload, options: DeployOptions | None = None, detach: bool = False):
    def action(target: TargetRun) -> Outcome:
        return target.start(payload, options or DeployOptions(), detach=detach)

    return action


# --- success and the job file ----------------------------------------------------------------


def test_project_deploy_succeeds_and_records_the_job_first(emulator, project, clock):
    """render -> validate -> package -> deploy -> poll; the job id is stored with its status."""
    payload = from_project(project, org=None)
    outcome = run(org_of(emulator), start(payload), project, clock, env=env_of(emulator))
    assert outcome.error is None, outcome.error
    result = outcome.result
    assert result.status is DeployStatus.SUCCEEDED and result.success
    names = {(m.component_type, m.full_name) for m in result.component_successes}
    assert ("PermissionSet", "ERP_Accounts") in names and ("Profile", "Billing API Only") in names
    (job,) = JobStore(project).jobs()
    assert (job.id, job.org, job.kind, job.status) == (result.id, "emu", "deploy", "Succeeded")
    assert emulator.requests.count("deploy") == 1


def test_small_deploy_costs_one_login_one_deploy_and_the_polls(emulator, project, clock):
    """Details come with the polls of a small deploy: no extra status call at the end."""
    emulator.configure(deploy_polls=3)
    payload = from_project(project, org=None)
    outcome = run(org_of(emulator), start(payload), project, clock, env=env_of(emulator))
    assert outcome.result.success
    assert emulator.requests.count("checkDeployStatus") == 3
    assert outcome.requests == 1 + 1 + 3  # token, deploy, polls


def test_component_failure_has_file_line_and_column(emulator, tmp_path, clock):
    folder = metadata_dir(tmp_path, "Bad", BAD_PERMSET)
    outcome = run(
        org_of(emulator), start(from_metadata_dir(folder)), tmp_path, clock, env=env_of(emulator)
    )
    result = outcome.result
    assert result.status is DeployStatus.FAILED and outcome.exit_code == 1
    (failure,) = result.component_failures
    assert failure.file_name == "permissionsets/Bad.permissionset"
    assert failure.problem == "Unknown user permission: NoSuchPermission"
    assert (failure.line, failure.column) == (4, 5)


def test_check_only_changes_nothing_and_quick_deploy_applies_it(emulator, tmp_path, clock):
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    org, env = org_of(emulator), env_of(emulator)
    validated = run(
        org,
        start(from_metadata_dir(folder), DeployOptions(check_only=True)),
        tmp_path,
        clock,
        env=env,
    )
    assert validated.verb is Verb.VALIDATE and validated.result.success
    assert validated.result.check_only
    job = JobStore(tmp_path).latest("emu", kind="validate")
    assert job.id == validated.result.id

    quick = run(
        org, lambda t: t.quick(job.id, detach=False), tmp_path, clock, env=env, verb=Verb.QUICK
    )
    assert quick.error is None and quick.result.success and not quick.result.check_only
    assert quick.job_id != job.id
    assert JobStore(tmp_path).latest("emu").kind == "quick"


def test_async_returns_the_job_and_resume_follows_it(emulator, tmp_path, clock):
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    org, env = org_of(emulator), env_of(emulator)
    started = run(org, start(from_metadata_dir(folder), detach=True), tmp_path, clock, env=env)
    assert started.result is None and started.job_id and started.exit_code == 0
    assert emulator.requests.count("checkDeployStatus") == 0

    report = run(
        org, lambda t: t.report(started.job_id), tmp_path, clock, env=env, verb=Verb.REPORT
    )
    assert report.result.status in (DeployStatus.PENDING, DeployStatus.IN_PROGRESS)
    assert report.exit_code == 0

    resumed = run(
        org, lambda t: t.resume(started.job_id), tmp_path, clock, env=env, verb=Verb.RESUME
    )
    assert resumed.result.success
    assert JobStore(tmp_path).find(started.job_id).status == "Succeeded"


def test_unknown_job_id_is_a_one_line_usage_error(emulator, tmp_path, clock):
    outcome = run(
        org_of(emulator),
        lambda t: t.report("0Af000000000000AAA"),
        tmp_path,
        clock,
        env=env_of(emulator),
        verb=Verb.REPORT,
    )
    assert isinstance(outcome.error, UnknownJobError) and outcome.exit_code == 2


def test_test_level_errors_are_refused_once_not_retried(emulator, tmp_path, clock):
    """RunSpecifiedTests without test classes: the org refuses; exit 1, sent once."""
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    options = DeployOptions(test_level=TestLevel.RUN_SPECIFIED_TESTS)
    outcome = run(
        org_of(emulator),
        start(from_metadata_dir(folder), options),
        tmp_path,
        clock,
        env=env_of(emulator),
    )
    assert isinstance(outcome.error, RequestRefused) and outcome.exit_code == 1
    assert "at least one test class" in str(outcome.error)
    assert emulator.requests.count("deploy") == 1
    assert JobStore(tmp_path).jobs() == []


# --- cancel, Ctrl-C, detaching ---------------------------------------------------------------


def test_cancel_verb_stops_a_running_deploy(emulator, tmp_path, clock):
    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    org, env = org_of(emulator), env_of(emulator)
    started = run(org, start(from_metadata_dir(folder), detach=True), tmp_path, clock, env=env)
    canceled = run(
        org, lambda t: t.cancel(started.job_id), tmp_path, clock, env=env, verb=Verb.CANCEL
    )
    assert canceled.result.status is DeployStatus.CANCELED and canceled.exit_code == 0
    assert emulator.requests.count("cancelDeploy") == 1


def test_ctrl_c_cancels_the_deploy_in_the_org(emulator, tmp_path, clock):
    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    presses = iter([KeyboardInterrupt])

    def sleep(seconds: float) -> None:
        press = next(presses, None)
        if press is not None:
            raise press
        clock.sleep(seconds)

    events: list[str] = []
    outcome = run(
        org_of(emulator),
        start(from_metadata_dir(folder)),
        tmp_path,
        clock,
        env=env_of(emulator),
        sleep=sleep,
        events=events,
    )
    assert outcome.interrupted and outcome.exit_code == 130
    assert outcome.result.status is DeployStatus.CANCELED
    assert emulator.requests.count("cancelDeploy") == 1
    assert any("Ctrl-C again to detach" in e for e in events)


def test_second_ctrl_c_detaches_and_says_how_to_resume(emulator, tmp_path, clock):
    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)

    def sleep(seconds: float) -> None:
        # The org is slow to confirm the cancel (a 503), and Ctrl-C comes again meanwhile.
        emulator.faults.http_error(503, match="checkDeployStatus", times=1)
        raise KeyboardInterrupt

    outcome = run(
        org_of(emulator),
        start(from_metadata_dir(folder)),
        tmp_path,
        clock,
        env=env_of(emulator),
        sleep=sleep,
    )
    assert emulator.requests.count("cancelDeploy") == 1
    assert isinstance(outcome.error, Detached) and outcome.exit_code == 130
    job = JobStore(tmp_path).latest("emu")
    assert f"apionly-deploy deploy resume -p {tmp_path} -o emu --job-id {job.id}" in str(
        outcome.error
    )


# --- faults while polling ----------------------------------------------------------------------


def test_session_expiry_mid_poll_logs_in_again(emulator, tmp_path, clock):
    emulator.configure(deploy_polls=4)
    emulator.faults.expire_sessions_after(2)  # token + deploy + 1 poll, then INVALID_SESSION_ID
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(
        org_of(emulator), start(from_metadata_dir(folder)), tmp_path, clock, env=env_of(emulator)
    )
    assert outcome.error is None, outcome.error
    assert outcome.result.success
    assert emulator.requests.count("token") >= 2
    assert emulator.requests.count("deploy") == 1


def test_session_expiry_with_an_access_token_says_to_get_a_new_one(emulator, tmp_path, clock):
    emulator.configure(deploy_polls=3)
    emulator.faults.expire_sessions_after(2)
    env = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_CA_CERT": str(emulator.ca_cert),
    }
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(org_from_env(env), start(from_metadata_dir(folder)), tmp_path, clock, env=env)
    assert isinstance(outcome.error, AuthError) and "get a new token" in str(outcome.error)
    assert outcome.exit_code == 3


@pytest.mark.parametrize("fault", ["drop", "503", "limit"])
def test_polls_survive_dropped_connections_503s_and_limits(emulator, tmp_path, clock, fault):
    emulator.configure(deploy_polls=3)
    if fault == "drop":
        emulator.faults.drop_connection(match="checkDeployStatus", times=2)
    elif fault == "503":
        emulator.faults.http_error(503, match="checkDeployStatus", times=2)
    else:
        emulator.faults.request_limit_exceeded(match="checkDeployStatus", times=1)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(
        org_of(emulator), start(from_metadata_dir(folder)), tmp_path, clock, env=env_of(emulator)
    )
    assert outcome.error is None, outcome.error
    assert outcome.result.success
    assert emulator.requests.count("deploy") == 1  # never resent
    if fault == "limit":
        assert max(clock.sleeps) >= PollPolicy().limit_wait


def test_dropped_deploy_request_is_not_resent(emulator, tmp_path, clock):
    emulator.faults.drop_connection(match="deploy", times=1)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(
        org_of(emulator), start(from_metadata_dir(folder)), tmp_path, clock, env=env_of(emulator)
    )
    assert isinstance(outcome.error, NetworkError) and outcome.exit_code == 4
    assert "127.0.0.1" in str(outcome.error)
    assert emulator.requests.count("checkDeployStatus") == 0


def test_deadline_is_a_timeout_with_the_resume_command(emulator, tmp_path, clock):
    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(
        org_of(emulator),
        start(from_metadata_dir(folder)),
        tmp_path,
        clock,
        env=env_of(emulator),
        wait=10,
    )
    assert isinstance(outcome.error, DeployTimeout) and outcome.exit_code == 4
    assert "did not finish within 10 s" in str(outcome.error)
    assert "deploy resume" in str(outcome.error)
    assert clock.now - 1000.0 == pytest.approx(10)


# --- several targets ---------------------------------------------------------------------------


def test_several_targets_deploy_concurrently(emulator, tmp_path, clock):
    from apionly_deploy.emulator import running_emulator

    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    payload = from_metadata_dir(folder)
    with running_emulator() as second:
        first_org = org_config_from_table(
            "uat",
            {
                "auth": "client-credentials",
                "login_url": emulator.login_url,
                "client_id": emulator.client_id,
                "ca_cert": str(emulator.ca_cert),
            },
            base_dir=tmp_path,
        )
        second_org = org_config_from_table(
            "prod",
            {
                "auth": "client-credentials",
                "login_url": second.login_url,
                "client_id": second.client_id,
                "ca_cert": str(second.ca_cert),
            },
            base_dir=tmp_path,
        )
        env = {
            "APIONLY_UAT_CLIENT_SECRET": emulator.client_secret,
            "APIONLY_PROD_CLIENT_SECRET": "wrong",
        }
        hooks = Hooks(sleep=lambda s: None, clock=clock)
        plan = Plan(project_dir=tmp_path, verb=Verb.START, environ=env)
        outcomes = run_targets([first_org, second_org], start(payload), plan, hooks)
    assert [o.org for o in outcomes] == ["uat", "prod"]
    assert outcomes[0].result.success
    assert isinstance(outcomes[1].error, AuthError)
    assert "invalid_client" in str(outcomes[1].error)


# --- bad input -------------------------------------------------------------------------------


def test_unreachable_host_names_the_host(tmp_path, clock):
    org = org_config_from_table(
        "dead",
        {"auth": "client-credentials", "client_id": "c", "login_url": "https://127.0.0.1:9"},
        base_dir=tmp_path,
    )
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(
        org,
        start(from_metadata_dir(folder)),
        tmp_path,
        clock,
        env={"APIONLY_DEAD_CLIENT_SECRET": "s"},
    )
    assert isinstance(outcome.error, NetworkError) and outcome.exit_code == 4
    assert "cannot reach 127.0.0.1:9" in str(outcome.error)


def test_untrusted_certificate_is_a_config_error(emulator, tmp_path, clock):
    org = org_config_from_table(
        "emu",
        {"auth": "client-credentials", "client_id": "c", "login_url": emulator.login_url},
        base_dir=tmp_path,
    )
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    outcome = run(org, start(from_metadata_dir(folder)), tmp_path, clock, env=env_of(emulator))
    assert isinstance(outcome.error, ConfigError) and "TLS verification" in str(outcome.error)


def test_ctrl_c_while_deploying_to_several_orgs_cancels_every_job(emulator, tmp_path, monkeypatch):
    """Only the main thread sees SIGINT; every worker must still cancel its own job."""
    import concurrent.futures

    from apionly_deploy.salesforce.deploy import run_targets
    from apionly_deploy.salesforce.deploy import runner as runner_module

    emulator.configure(never_finish=True)
    folder = metadata_dir(tmp_path, "Good", GOOD_PERMSET)
    orgs = [dataclasses.replace(org_of(emulator), name=name) for name in ("emu", "emu2")]
    pressed = []

    def wait_then_press(pending, timeout=None):
        done = concurrent.futures.wait(pending, timeout=timeout)
        if not pressed and emulator.requests.count("checkDeployStatus") >= 2:
            pressed.append(True)  # both jobs are in the org and being followed: Ctrl-C
            raise KeyboardInterrupt
        return done

    monkeypatch.setattr(runner_module, "wait", wait_then_press)
    hooks = Hooks(policy=PollPolicy(initial=0.05, maximum=0.05))
    environ = {**env_of(emulator), "APIONLY_EMU2_CLIENT_SECRET": emulator.client_secret}
    plan = Plan(project_dir=tmp_path, verb=Verb.START, wait=60.0, environ=environ)
    outcomes = run_targets(orgs, start(from_metadata_dir(folder)), plan, hooks)
    assert pressed
    assert [(o.org, o.interrupted, o.exit_code) for o in outcomes] == [
        ("emu", True, 130),
        ("emu2", True, 130),
    ]
    assert emulator.requests.count("cancelDeploy") == 2
    assert {o.result.status for o in outcomes} == {DeployStatus.CANCELED}
