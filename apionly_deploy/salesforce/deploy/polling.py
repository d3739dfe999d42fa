"""Follow a deploy to its end: a growing poll interval, a hard deadline, retries that never
resend the deploy itself, one re-login when the session expires, and back-off on API limits.

Sleep and clock are injected, so tests run a 30-minute deploy in microseconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from apionly_deploy.errors import (
    DeployTimeout,
    NetworkError,
    RequestLimitExceeded,
    ServerError,
    SessionExpired,
)
from apionly_deploy.salesforce.metadata_api import DeployResult, DeployStatus, MetadataClient

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True, kw_only=True)
class PollPolicy:
    """How often to ask. Fast at first (small deploys finish in a second or two), then slower.

    ``initial`` seconds first, times ``factor`` after each poll, capped at ``maximum``. When the
    org reports every component and test processed, the next poll comes after ``initial`` again:
    the result is about to be final. Failures back off from ``retry_initial`` to ``retry_maximum``;
    REQUEST_LIMIT_EXCEEDED waits at least ``limit_wait``. Deploys of up to ``small_deploy``
    components ask for details on every poll (the answer stays small and the final one needs no
    second call); bigger ones only when the end is near.
    """

    initial: float = 0.2
    factor: float = 1.5
    maximum: float = 2.0
    retry_initial: float = 1.0
    retry_maximum: float = 30.0
    limit_wait: float = 30.0
    small_deploy: int = 100

    def next_interval(self, interval: float) -> float:
        """Return the interval after ``interval``."""
        return min(self.maximum, interval * self.factor)


def near_end(result: DeployResult) -> bool:
    """Return True when the org says all components (and tests) are processed."""
    processed = result.components_deployed + result.component_errors
    tests_done = result.tests_completed + result.test_errors >= result.tests_total
    return result.components_total > 0 and processed >= result.components_total and tests_done


class Poller:
    """Run status calls against a deadline: retry what a retry can fix, re-login once."""

    def __init__(
        self,
        client: MetadataClient,
        *,
        deadline: float,
        policy: PollPolicy,
        sleep: Sleep,
        clock: Clock,
        relogin: Callable[[], MetadataClient] | None = None,
    ) -> None:
        self.client = client
        self.deadline = deadline
        self.policy = policy
        self.sleep = sleep
        self.clock = clock
        self.relogin = relogin
        self.calls = 0

    def call(self, operation: Callable[[MetadataClient], T]) -> T:
        """Return ``operation(client)``; retry network errors, 5xx and limits until the deadline."""
        relogged = False
        backoff = self.policy.retry_initial
        while True:
            self.calls += 1
            try:
                return operation(self.client)
            except SessionExpired:
                if relogged or self.relogin is None:
                    raise
                log.info("session expired; logging in again")
                self.client = self.relogin()
                relogged = True
                continue
            except RequestLimitExceeded as exc:
                log.warning("%s; waiting before the next poll", exc)
                self.wait(max(backoff, self.policy.limit_wait), failure=exc)
            except (NetworkError, ServerError) as exc:
                if isinstance(exc, ServerError) and not exc.retryable:
                    raise
                log.warning("poll failed (%s); retrying in %.1f s", exc, backoff)
                self.wait(backoff, failure=exc)
            backoff = min(backoff * 2, self.policy.retry_maximum)

    def wait(self, seconds: float, *, failure: Exception | None = None) -> None:
        """Sleep ``seconds`` but not past the deadline; raise DeployTimeout once it has passed."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            detail = f" (last error: {failure})" if failure else ""
            raise DeployTimeout(f"the deadline passed{detail}")
        self.sleep(min(seconds, remaining))


def wait_for_deploy(
    client: MetadataClient,
    job_id: str,
    *,
    timeout: float,
    sleep: Sleep = time.sleep,
    clock: Clock = time.monotonic,
    on_status: Callable[[DeployResult], None] | None = None,
    policy: PollPolicy | None = None,
    relogin: Callable[[], MetadataClient] | None = None,
    components: int | None = None,
) -> DeployResult:
    """Poll ``job_id`` until it is final and return the result with details.

    Details (component messages, test results) are asked for only when they are cheap (a small
    deploy: ``components`` known up front, or as reported) or the result is likely final, and
    fetched once more if a final answer came without them.
    """
    policy = policy or PollPolicy()
    poller = Poller(
        client, deadline=clock() + timeout, policy=policy, sleep=sleep, clock=clock, relogin=relogin
    )
    return follow(poller, job_id, on_status=on_status, components=components)


def follow(
    poller: Poller,
    job_id: str,
    *,
    on_status: Callable[[DeployResult], None] | None = None,
    components: int | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> DeployResult:
    """Poll with ``poller`` until the deploy is final (see ``wait_for_deploy``); ``on_wait``
    hears how many seconds pass before the next status check."""
    policy = poller.policy
    interval = policy.initial
    small = components is not None and components <= policy.small_deploy
    details = small
    finish = FinishEstimate()
    while True:
        result = poller.call(_status_call(job_id, include_details=details))
        if on_status is not None:
            on_status(result)
        if result.done or result.status.final:
            if not result.has_details:
                result = poller.call(_status_call(job_id, include_details=True))
            return result
        now = poller.clock()
        end = near_end(result)
        small = small or 0 < result.components_total <= policy.small_deploy
        details = small or end
        if now >= poller.deadline:
            raise DeployTimeout(f"deploy {job_id} is still {result.status} at the deadline")
        remaining = finish.update(now, result)
        if end or (remaining is not None and remaining <= 0 and finish.take_overdue()):
            interval = policy.initial  # the end is here: look again soon, then slow down
        wait = interval
        if remaining is not None and remaining > 0:
            wait = min(interval, max(remaining, policy.initial))
        if on_wait is not None:
            on_wait(wait)
        poller.wait(wait)
        interval = policy.next_interval(interval)


class FinishEstimate:
    """Predict when a deploy ends from the org's progress counters.

    Salesforce reports components (and tests) done out of total while a deploy runs. Each change
    of that fraction happened between two polls (taken as the middle of that window); a straight
    line through those points predicts the end. Polls then land just after the predicted end
    instead of up to a whole interval later. Without two changes there is no prediction.
    """

    def __init__(self) -> None:
        self._previous: tuple[float, float] | None = None
        self._points: list[tuple[float, float]] = []
        self._overdue_taken = False

    def update(self, now: float, result: DeployResult) -> float | None:
        """Record a poll; return the seconds until the predicted end (negative: overdue)."""
        total = result.components_total + result.tests_total
        if result.status is not DeployStatus.IN_PROGRESS or total <= 0:
            self._previous = None
            return None
        done = (
            result.components_deployed
            + result.component_errors
            + result.tests_completed
            + result.test_errors
        )
        fraction = min(done / total, 1.0)
        if self._previous is not None and fraction > self._previous[1]:
            self._points.append(((self._previous[0] + now) / 2, fraction))
            self._overdue_taken = False
        self._previous = (now, fraction)
        end = _line_end(self._points)
        return None if end is None else end - now

    def take_overdue(self) -> bool:
        """Return True the first time the predicted end has passed (until the next change)."""
        if self._overdue_taken:
            return False
        self._overdue_taken = True
        return True


def _line_end(points: list[tuple[float, float]]) -> float | None:
    """Return when the least-squares line through ``(time, fraction)`` reaches 1, if it rises."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_f = sum(f for _, f in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread <= 0:
        return None
    slope = sum((t - mean_t) * (f - mean_f) for t, f in points) / spread
    return mean_t + (1.0 - mean_f) / slope if slope > 0 else None


def _status_call(job_id: str, *, include_details: bool) -> Callable[[MetadataClient], DeployResult]:
    def call(client: MetadataClient) -> DeployResult:
        return client.check_deploy_status(job_id, include_details=include_details)

    return call
