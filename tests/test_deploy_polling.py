"""wait_for_deploy: the schedule, details, retries, re-login and the deadline, on a fake clock.

The client here is a scripted stand-in for MetadataClient (our own interface, not requests); the
same behaviour runs over HTTPS against the emulator in tests/test_deploy_e2e.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apionly_deploy.errors import (
    DeployTimeout,
    NetworkError,
    RequestLimitExceeded,
    ServerError,
    SessionExpired,
    UnknownJobError,
)
from apionly_deploy.salesforce.deploy import PollPolicy, wait_for_deploy
from apionly_deploy.salesforce.metadata_api import DeployMessage, DeployResult, DeployStatus

Step = DeployResult | Exception


def status(
    state: DeployStatus,
    *,
    deployed: int = 0,
    total: int = 2,
    details: bool = False,
    success: bool | None = None,
) -> DeployResult:
    final = state.final
    return DeployResult(
        id="0Af000000000001AAA",
        status=state,
        done=final,
        success=state is DeployStatus.SUCCEEDED if success is None else success,
        components_total=total,
        components_deployed=deployed,
        has_details=details,
        component_successes=(DeployMessage(full_name="ERP"),) if details and final else (),
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(round(seconds, 4))
        self.now += seconds


class ScriptedClient:
    """Answers checkDeployStatus from a script; records each call's includeDetails."""

    def __init__(self, script: list[Step], *, name: str = "first") -> None:
        self.script = script
        self.name = name
        self.calls: list[bool] = []

    def check_deploy_status(self, job_id: str, *, include_details: bool) -> DeployResult:
        self.calls.append(include_details)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if include_details and step.done:
            return status(
                step.status, deployed=step.components_deployed, details=True, success=step.success
            )
        return step

    def deploy(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("polling must never send a deploy")


def run(
    client,
    clock: FakeClock,
    *,
    timeout: float = 600,
    policy: PollPolicy | None = None,
    relogin: Callable[[], ScriptedClient] | None = None,
    seen: list | None = None,
):
    return wait_for_deploy(
        client,
        "0Af000000000001AAA",
        timeout=timeout,
        sleep=clock.sleep,
        clock=clock,
        policy=policy or PollPolicy(small_deploy=0),
        relogin=relogin,
        on_status=seen.append if seen is not None else None,
    )


IN_PROGRESS = status(DeployStatus.IN_PROGRESS, deployed=1)
DONE = status(DeployStatus.SUCCEEDED, deployed=2)


def test_interval_grows_from_fast_to_capped():
    """Polls come fast at first, then each interval is 1.5 times longer, up to the cap."""
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS] * 9 + [DONE, DONE])
    policy = PollPolicy(initial=0.2, factor=1.5, maximum=2.0, small_deploy=0)
    result = run(client, clock, policy=policy)
    assert result.success and result.has_details
    assert clock.sleeps == [0.2, 0.3, 0.45, 0.675, 1.0125, 1.5188, 2.0, 2.0, 2.0]


def test_details_only_on_the_final_answer():
    """In-progress polls skip details; a final answer without details is fetched once more."""
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS, IN_PROGRESS, DONE, DONE])
    result = run(client, clock)
    assert client.calls == [False, False, False, True]
    assert result.component_successes == (DeployMessage(full_name="ERP"),)


def test_details_asked_when_everything_is_processed():
    """Once all components are processed, the next poll asks for details and is the last."""
    clock = FakeClock()
    nearly = status(DeployStatus.IN_PROGRESS, deployed=2)
    client = ScriptedClient([IN_PROGRESS, nearly, DONE])
    run(client, clock, policy=PollPolicy(initial=0.2, maximum=2.0, small_deploy=0))
    assert client.calls == [False, False, True]
    assert clock.sleeps == [0.2, 0.2]  # back to the fast interval when the end is near


def test_small_deploys_get_details_on_every_poll_and_no_extra_call():
    """A deploy known to be small asks for details at once, so the final answer is complete."""
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS, DONE])
    result = wait_for_deploy(
        client, "0Af", timeout=60, sleep=clock.sleep, clock=clock, components=3
    )
    assert client.calls == [True, True] and result.has_details


def test_reported_component_count_switches_details_on():
    """Without a known size, the org's componentsTotal decides from the second poll on."""
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS, IN_PROGRESS, DONE])
    wait_for_deploy(client, "0Af", timeout=60, sleep=clock.sleep, clock=clock)
    assert client.calls == [False, True, True]


def test_on_status_sees_every_poll():
    clock = FakeClock()
    seen: list[DeployResult] = []
    run(ScriptedClient([IN_PROGRESS, DONE, DONE]), clock, seen=seen)
    assert [s.status for s in seen] == [DeployStatus.IN_PROGRESS, DeployStatus.SUCCEEDED]


def test_deadline_raises_timeout_and_never_returns_success():
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS] * 100)
    with pytest.raises(DeployTimeout, match="still InProgress at the deadline") as info:
        run(client, clock, timeout=5.0)
    assert info.value.exit_code == 4
    assert clock.now == pytest.approx(5.0)  # the last poll happens right at the deadline


@pytest.mark.parametrize(
    "failure",
    [
        NetworkError("cannot reach x: connection reset"),
        ServerError("x answered HTTP 503", status=503),
    ],
)
def test_network_errors_and_5xx_are_retried_with_backoff(failure):
    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS, failure, failure, failure, DONE, DONE])
    policy = PollPolicy(initial=0.2, retry_initial=1.0, retry_maximum=30.0, small_deploy=0)
    result = run(client, clock, policy=policy)
    assert result.success
    assert clock.sleeps == [0.2, 1.0, 2.0, 4.0]


def test_client_errors_are_not_retried():
    clock = FakeClock()
    client = ScriptedClient([ServerError("x answered HTTP 404", status=404)])
    with pytest.raises(ServerError, match="404"):
        run(client, clock)


def test_retries_stop_at_the_deadline_with_the_last_error():
    clock = FakeClock()
    client = ScriptedClient([NetworkError("cannot reach x: refused")] * 50)
    with pytest.raises(DeployTimeout, match="last error: cannot reach x"):
        run(client, clock, timeout=20)
    assert clock.now == pytest.approx(20)


def test_request_limit_waits_longer():
    clock = FakeClock()
    limit = RequestLimitExceeded("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    client = ScriptedClient([limit, DONE, DONE])
    run(client, clock, policy=PollPolicy(limit_wait=30.0, small_deploy=0))
    assert clock.sleeps == [30.0]


def test_session_expiry_logs_in_again_once_and_goes_on():
    clock = FakeClock()
    first = ScriptedClient([IN_PROGRESS, SessionExpired("expired")])
    second = ScriptedClient([IN_PROGRESS, DONE, DONE], name="second")
    logins: list[str] = []

    def relogin() -> ScriptedClient:
        logins.append("again")
        return second

    result = run(first, clock, relogin=relogin)
    assert result.success and logins == ["again"]
    assert len(second.calls) == 3


def test_session_expiry_twice_in_a_row_gives_up():
    clock = FakeClock()
    second = ScriptedClient([SessionExpired("still expired")], name="second")
    with pytest.raises(SessionExpired, match="still expired"):
        run(ScriptedClient([SessionExpired("expired")]), clock, relogin=lambda: second)


def test_session_expiry_without_relogin_is_raised():
    with pytest.raises(SessionExpired):
        run(ScriptedClient([SessionExpired("expired")]), FakeClock())


def test_unknown_job_is_raised_at_once():
    with pytest.raises(UnknownJobError):
        run(ScriptedClient([UnknownJobError("no such job")]), FakeClock())


def test_canceled_is_final():
    clock = FakeClock()
    canceled = status(DeployStatus.CANCELED)
    result = run(ScriptedClient([status(DeployStatus.CANCELING), canceled, canceled]), clock)
    assert result.status is DeployStatus.CANCELED and not result.success


def test_keyboard_interrupt_propagates_from_sleep():
    """Ctrl-C during a wait reaches the caller, which cancels the deploy (runner tests)."""
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        wait_for_deploy(ScriptedClient([IN_PROGRESS]), "0Af", timeout=60, sleep=sleep, clock=clock)


def test_progress_counters_predict_the_end():
    """Components done at a steady rate: the poll after the last change lands at the end."""
    clock = FakeClock()
    total = 40
    end_time = 23.3

    class Steady(ScriptedClient):
        def check_deploy_status(self, job_id: str, *, include_details: bool) -> DeployResult:
            self.calls.append(include_details)
            if clock.now >= end_time:
                return status(DeployStatus.SUCCEEDED, deployed=total, total=total, details=True)
            done = min(int(total * clock.now / end_time), total - 1)
            return status(DeployStatus.IN_PROGRESS, deployed=done, total=total)

    client = Steady([])
    result = wait_for_deploy(
        client, "0Af", timeout=600, sleep=clock.sleep, clock=clock, components=total
    )
    assert result.success
    assert clock.now - end_time < 0.3  # reported within 0.3 s of the end (the cap is 2 s)
    assert len(client.calls) < end_time  # and with fewer checks than one per second


def test_no_prediction_without_progress():
    from apionly_deploy.salesforce.deploy.polling import FinishEstimate

    estimate = FinishEstimate()
    pending = status(DeployStatus.PENDING, total=0)
    assert estimate.update(0.0, pending) is None
    assert estimate.update(1.0, status(DeployStatus.IN_PROGRESS, deployed=1, total=4)) is None
    assert estimate.update(2.0, status(DeployStatus.IN_PROGRESS, deployed=2, total=4)) is None
    remaining = estimate.update(3.0, status(DeployStatus.IN_PROGRESS, deployed=3, total=4))
    assert remaining == pytest.approx(0.5)  # changes at 1.5 s and 2.5 s: the end at 3.5 s
    assert estimate.take_overdue() and not estimate.take_overdue()


def test_each_wait_is_announced_before_it_starts():
    """follow() tells on_wait every pause before it sleeps it (the live line's next check)."""
    from apionly_deploy.salesforce.deploy.polling import Poller, follow

    clock = FakeClock()
    client = ScriptedClient([IN_PROGRESS] * 3 + [DONE, DONE])
    policy = PollPolicy(initial=0.2, factor=1.5, maximum=2.0, small_deploy=0)
    poller = Poller(client, deadline=clock() + 60, policy=policy, sleep=clock.sleep, clock=clock)
    announced: list[float] = []
    result = follow(poller, "0Af000000000001AAA", on_wait=announced.append)
    assert result.success
    assert [round(s, 4) for s in announced] == clock.sleeps == [0.2, 0.3, 0.45]
