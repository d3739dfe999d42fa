"""The deploy verbs for one target, and several targets at once.

``start``/``validate`` upload once and record the job id before polling; ``quick`` deploys a
validated job; ``report`` asks once; ``resume`` follows a job; ``cancel`` stops one. Ctrl-C while
following asks the org to cancel; a second Ctrl-C stops following and says how to resume.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shlex
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from apionly_deploy.errors import (
    ApionlyError,
    AuthError,
    ConfigError,
    DeployTimeout,
    Detached,
    ExitCode,
    NetworkError,
    RemoteError,
    ResponseTooLarge,
    ServerError,
    SoapFault,
)
from apionly_deploy.salesforce.auth import OrgConfig
from apionly_deploy.salesforce.deploy.connection import Connection, connect
from apionly_deploy.salesforce.deploy.interrupts import Interrupts
from apionly_deploy.salesforce.deploy.jobs import Job, JobStore, now_utc
from apionly_deploy.salesforce.deploy.payload import Payload
from apionly_deploy.salesforce.deploy.polling import Clock, Poller, PollPolicy, Sleep, follow
from apionly_deploy.salesforce.metadata_api import DeployOptions, DeployResult, DeployStatus

DEFAULT_WAIT = 33 * 60.0  # seconds, as the Salesforce CLI
MAX_PARALLEL = 8
#: Exit code precedence when targets disagree: interrupted, usage, config, content, remote.
_PRECEDENCE = (
    ExitCode.INTERRUPTED,
    ExitCode.USAGE,
    ExitCode.CONFIG,
    ExitCode.FAILED,
    ExitCode.REMOTE,
)


class Verb(StrEnum):
    START = "start"
    VALIDATE = "validate"
    QUICK = "quick"
    REPORT = "report"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened on one target."""

    org: str
    verb: Verb
    job_id: str | None = None
    result: DeployResult | None = None
    error: ApionlyError | None = None
    interrupted: bool = False
    requests: int = 0

    @property
    def exit_code(self) -> ExitCode:
        """Return the exit code this outcome stands for."""
        if self.error is not None:
            return self.error.exit_code
        if self.interrupted:
            return ExitCode.INTERRUPTED
        result = self.result
        if result is None or result.success or not (result.done or result.status.final):
            return ExitCode.OK
        if self.verb is Verb.CANCEL and result.status is DeployStatus.CANCELED:
            return ExitCode.OK
        return ExitCode.FAILED


def overall_exit_code(outcomes: Sequence[Outcome]) -> ExitCode:
    """Return one exit code for several targets."""
    codes = {o.exit_code for o in outcomes}
    return next((c for c in _PRECEDENCE if c in codes), ExitCode.OK)


@dataclass(slots=True, kw_only=True)
class Hooks:
    """Progress callbacks and the injected clock and sleep."""

    on_status: Callable[[str, DeployResult], None] | None = None
    on_event: Callable[[str, str], None] | None = None
    #: Seconds until the next status check, after each one that found the deploy running.
    on_wait: Callable[[str, float], None] | None = None
    sleep: Sleep = time.sleep
    clock: Clock = time.monotonic
    policy: PollPolicy = field(default_factory=PollPolicy)

    def event(self, org: str, message: str) -> None:
        """Report a one-off event (job started, cancel requested...)."""
        if self.on_event is not None:
            self.on_event(org, message)


def resume_command(org: str, job_id: str, project_dir: Path | None) -> str:
    """Return the command line that follows ``job_id`` again."""
    project = (
        f" -p {shlex.quote(str(project_dir))}" if project_dir and project_dir != Path() else ""
    )
    org_and_id = f"-o {shlex.quote(org)} --job-id {shlex.quote(job_id)}"
    return f"apionly-deploy deploy resume{project} {org_and_id}"


class TargetRun:
    """The verbs against one connected org."""

    def __init__(
        self, conn: Connection, *, store: JobStore, hooks: Hooks, wait: float, project_dir: Path
    ) -> None:
        self.conn = conn
        self.store = store
        self.hooks = hooks
        self.wait = wait
        self.project_dir = project_dir

    @property
    def org(self) -> str:
        return self.conn.name

    def start(self, payload: Payload, options: DeployOptions, *, detach: bool) -> Outcome:
        """Upload once, record the job, then follow it (unless ``detach``)."""
        verb = Verb.VALIDATE if options.check_only else Verb.START
        self.store.check()  # a job id the store cannot take would be lost after the upload
        with self._submitting():
            job = self.conn.client().deploy(payload.zip_bytes, options)  # never resent
        lost = self._record(
            job.id, "validate" if options.check_only else "deploy", options.check_only
        )
        if lost is not None:
            return self._lost_track(verb, job.id, lost)
        return self._outcome(verb, job.id, detach, components=payload.components)

    def quick(self, validation_id: str, *, detach: bool) -> Outcome:
        """Deploy a recent validation without running its tests again."""
        self.store.check()
        with self._submitting():
            job_id = self.conn.client().deploy_recent_validation(validation_id)  # never resent
        lost = self._record(job_id, "quick", False)
        if lost is not None:
            return self._lost_track(Verb.QUICK, job_id, lost)
        return self._outcome(Verb.QUICK, job_id, detach)

    @contextlib.contextmanager
    def _submitting(self) -> Iterator[None]:
        """Say so when a deploy request went out but its answer was lost: the org may have
        taken it, and only the org's Deployment Status page can tell (there is no job id)."""
        try:
            yield
        except (NetworkError, ServerError, DeployTimeout, ResponseTooLarge) as exc:
            if isinstance(exc, ServerError) and not exc.retryable:
                raise
            exc.hint = (
                f"the request was sent, so {self.org} may have started the deploy anyway: "
                "check Setup > Deployment Status before deploying again"
            )
            raise

    def report(self, job_id: str) -> Outcome:
        """Ask once where ``job_id`` stands, with details."""
        poller = self._poller()
        result = poller.call(lambda c: c.check_deploy_status(job_id, include_details=True))
        self._set_status(job_id, result)
        return Outcome(self.org, Verb.REPORT, job_id, result, requests=self.conn.http.requests_sent)

    def resume(self, job_id: str) -> Outcome:
        """Follow ``job_id`` to its end."""
        return self._follow(Verb.RESUME, job_id)

    def cancel(self, job_id: str) -> Outcome:
        """Ask the org to cancel ``job_id`` and follow it until it stops."""
        self._poller().call(lambda c: c.cancel_deploy(job_id))
        self.hooks.event(self.org, f"cancel of {job_id} requested")
        return self._follow(Verb.CANCEL, job_id)

    def _record(self, job_id: str, kind: str, check_only: bool) -> RemoteError | None:
        """Record the job; return the error naming it and its resume command if that fails."""
        job = Job(
            id=job_id,
            org=self.org,
            kind=kind,
            check_only=check_only,
            started=now_utc(),
            instance_url=self.conn.session.instance_url,
        )
        try:
            self.store.record(job)
        except (OSError, ConfigError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            return RemoteError(
                f"{kind} {job_id} started on {self.org} but could not be recorded in "
                f"{self.store.path} ({reason}); follow it with: {self._resume(job_id)}"
            )
        self.hooks.event(self.org, f"{kind} {job_id} started")
        return None

    def _outcome(
        self, verb: Verb, job_id: str, detach: bool, *, components: int | None = None
    ) -> Outcome:
        if detach:
            return Outcome(self.org, verb, job_id, requests=self.conn.http.requests_sent)
        return self._follow(verb, job_id, components=components)

    def _poller(self) -> Poller:
        return Poller(
            self.conn.client(),
            deadline=self.hooks.clock() + self.wait,
            policy=self.hooks.policy,
            sleep=self.hooks.sleep,
            clock=self.hooks.clock,
            relogin=self.conn.relogin,
        )

    def _on_status(self, result: DeployResult) -> None:
        if self.hooks.on_status is not None:
            self.hooks.on_status(self.org, result)

    def _on_wait(self, seconds: float) -> None:
        if self.hooks.on_wait is not None:
            self.hooks.on_wait(self.org, seconds)

    def _follow(self, verb: Verb, job_id: str, *, components: int | None = None) -> Outcome:
        poller = self._poller()
        interrupted = False
        try:
            try:
                result = follow(
                    poller,
                    job_id,
                    on_status=self._on_status,
                    components=components,
                    on_wait=self._on_wait,
                )
            except KeyboardInterrupt:
                interrupted = True
                result = self._cancel_after_interrupt(poller, job_id)
        except DeployTimeout as exc:
            error: ApionlyError = DeployTimeout(
                f"deploy {job_id} on {self.org} did not finish within {self.wait:g} s ({exc}); "
                f"it may still be running; follow it with: {self._resume(job_id)}"
            )
            return self._lost_track(verb, job_id, error)
        except (RemoteError, AuthError) as exc:  # the job goes on in the org: say which one
            exc.hint = (
                f"deploy {job_id} may still be running on {self.org}; once fixed, "
                f"follow it with: {self._resume(job_id)}"
            )
            return self._lost_track(verb, job_id, exc)
        except Detached as exc:
            return self._lost_track(verb, job_id, exc)
        self._set_status(job_id, result)
        requests = self.conn.http.requests_sent
        return Outcome(self.org, verb, job_id, result, interrupted=interrupted, requests=requests)

    def _lost_track(self, verb: Verb, job_id: str, error: ApionlyError) -> Outcome:
        """Return the outcome of a job that was started but could not be followed to its end."""
        requests = self.conn.http.requests_sent
        return Outcome(self.org, verb, job_id, error=error, requests=requests)

    def _cancel_after_interrupt(self, poller: Poller, job_id: str) -> DeployResult:
        self.hooks.event(self.org, f"interrupted: canceling {job_id} (Ctrl-C again to detach)")
        try:
            try:
                poller.call(lambda c: c.cancel_deploy(job_id))
            except SoapFault as exc:  # it finished in the meantime, or cannot be canceled now
                self.hooks.event(self.org, f"cancel refused: {exc}")
            return follow(poller, job_id, on_status=self._on_status, on_wait=self._on_wait)
        except KeyboardInterrupt:
            raise Detached(
                f"stopped following deploy {job_id} on {self.org}; it may still be running in "
                f"the org; resume with: {self._resume(job_id)}"
            ) from None

    def _resume(self, job_id: str) -> str:
        return resume_command(self.org, job_id, self.project_dir)

    def _set_status(self, job_id: str, result: DeployResult) -> None:
        try:
            if self.store.find(job_id) is not None:
                self.store.set_status(job_id, result.status.value)
        except (OSError, ConfigError) as exc:  # the outcome is known; only the note is lost
            self.hooks.event(self.org, f"could not note the status of {job_id}: {exc}")


Action = Callable[[TargetRun], Outcome]


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """Everything shared by the targets of one command."""

    project_dir: Path
    verb: Verb
    wait: float = DEFAULT_WAIT
    api_version: str | None = None
    environ: Mapping[str, str] | None = None
    #: ``time.monotonic()`` when the command began: ``wait`` bounds everything from there.
    started: float = field(default_factory=time.monotonic)


def run_target(org: OrgConfig, action: Action, plan: Plan, hooks: Hooks) -> Outcome:
    """Connect to ``org`` and run ``action``; any ApionlyError becomes the outcome's error."""
    store = JobStore(plan.project_dir)
    try:
        with connect(
            org,
            project_dir=plan.project_dir,
            api_version=plan.api_version,
            environ=plan.environ,
            deadline=plan.started + plan.wait,
        ) as conn:
            run = TargetRun(
                conn, store=store, hooks=hooks, wait=plan.wait, project_dir=plan.project_dir
            )
            return action(run)
    except ApionlyError as err:
        return Outcome(org.name, plan.verb, error=err)


def run_targets(
    orgs: Sequence[OrgConfig], action: Action, plan: Plan, hooks: Hooks
) -> list[Outcome]:
    """Run ``action`` on every org, concurrently when there are several."""
    if len(orgs) == 1:
        return [run_target(orgs[0], action, plan, hooks)]
    interrupts = Interrupts()

    def hooks_for_worker() -> Hooks:
        # Only the main thread gets SIGINT: workers learn of it through their sleep.
        real_time = hooks.sleep is time.sleep
        return dataclasses.replace(hooks, sleep=interrupts.sleeper()) if real_time else hooks

    with ThreadPoolExecutor(max_workers=min(len(orgs), MAX_PARALLEL)) as pool:
        futures = [pool.submit(run_target, org, action, plan, hooks_for_worker()) for org in orgs]
        pending = set(futures)
        while pending:
            try:
                _, pending = wait(pending, timeout=0.25)
            except KeyboardInterrupt:
                interrupts.fire()
    return [f.result() for f in futures]
