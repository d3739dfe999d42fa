"""The async deploy engine: jobs move Pending -> InProgress -> Succeeded/Failed/Canceled.

A job's timing is fixed when it is queued (from the settings then in force): it completes on
its Nth status check, or N seconds after it was queued, or never. The work itself runs when
the job completes, so concurrent deploys apply one at a time, in completion order. Time comes
from the settings' clock, so tests move it by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from apionly_deploy.emulator import deployment, zips
from apionly_deploy.emulator.deployment import DeployOptions
from apionly_deploy.emulator.results import DeployResult, Outcome
from apionly_deploy.emulator.settings import EmulatorSettings
from apionly_deploy.emulator.store import Store

FINAL = frozenset({"Succeeded", "SucceededPartial", "Failed", "Canceled"})


class JobError(Exception):
    """A job call the org refuses; ``code`` is the Salesforce status code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DeployEngine:
    """Queue, advance, cancel and report deploys stored in the org's database."""

    def __init__(self, store: Store, settings: Callable[[], EmulatorSettings]) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.RLock()

    def _now(self) -> float:
        return self._settings().clock()

    def _limits(self) -> zips.Limits:
        s = self._settings()
        return zips.Limits(s.max_zip_bytes, s.max_unzipped_bytes, s.max_files)

    def start(
        self,
        zip_data: bytes,
        options: DeployOptions,
        *,
        user_id: str,
        validation_of: str | None = None,
    ) -> str:
        """Queue a deploy and return its id; raise JobError or ZipProblem when refused."""
        _check_tests(options)
        files = zips.read_zip(zip_data, self._limits())
        settings = self._settings()
        now = settings.clock()
        job_id = self._store.new_id("DeployRequest")
        state: dict[str, Any] = {
            "done": False,
            "status": "Pending",
            "options": asdict(options),
            "polls": 0,
            "timing": {
                "polls": settings.deploy_polls,
                "seconds": settings.deploy_seconds,
                "never": settings.never_finish,
            },
            "total": _count_components(files),
            "created_by": user_id,
            "created": now,
            "modified": now,
            "started": None,
            "completed": None,
            "canceled_by": None,
            "outcome": None,
            "validation_of": validation_of,
            "quick_deployed_by": None,
        }
        self._store.put_job(job_id, "deploy", now, state, zip_data)
        return job_id

    def quick_deploy(self, validation_id: str, *, user_id: str) -> str:
        """Deploy a recent successful validation without running it again."""
        with self._lock:
            found = self._store.get_job(validation_id)
            if found is None or found[0] != "deploy":
                raise JobError("INVALID_ID_FIELD", "invalid validation id")
            state = self._advance(validation_id, found[2], poll=False)
            ok = (
                state["options"]["check_only"]
                and state["status"] == "Succeeded"
                and not state["quick_deployed_by"]
                and self._now() - (state["completed"] or 0) <= self._settings().validation_seconds
            )
            if not ok:
                raise JobError(
                    "INVALID_ID_FIELD",
                    "The requested validation is not valid for quick deploy: it must be a "
                    "recent, successful check-only deploy that was not deployed already.",
                )
            payload = self._store.job_payload(validation_id) or b""
            options = DeployOptions(
                **{
                    **state["options"],
                    "check_only": False,
                    "run_tests": tuple(state["options"]["run_tests"]),
                }
            )
            job_id = self.start(payload, options, user_id=user_id, validation_of=validation_id)
            self._store.update_job(validation_id, {**state, "quick_deployed_by": job_id})
            return job_id

    def cancel(self, job_id: str, *, user_id: str) -> bool:
        """Ask to cancel a deploy; return True when it was already done."""
        with self._lock:
            state = self._state(job_id)
            if state["done"]:
                return True
            state.update(status="Canceling", canceled_by=user_id, modified=self._now())
            self._store.update_job(job_id, state)
            return False

    def status(self, job_id: str, *, poll: bool = True) -> tuple[dict[str, Any], Outcome | None]:
        """Return a job's state after advancing it (a poll counts toward its timing)."""
        with self._lock:
            state = self._advance(job_id, self._state(job_id), poll=poll)
            outcome = Outcome.from_json(state["outcome"]) if state["outcome"] else None
            return state, outcome

    def result(self, job_id: str, *, poll: bool = True, user_name: str = "") -> DeployResult:
        state, outcome = self.status(job_id, poll=poll)
        return to_result(job_id, state, outcome, user_name=user_name)

    def tick(self) -> None:
        """Advance every open job by the clock (the server calls this between requests)."""
        for job_id in self._store.open_jobs("deploy"):
            with self._lock:
                self._advance(job_id, self._state(job_id), poll=False)

    def _state(self, job_id: str) -> dict[str, Any]:
        found = self._store.get_job(job_id)
        if found is None or found[0] != "deploy":
            raise JobError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        return found[2]

    def _advance(self, job_id: str, state: dict[str, Any], *, poll: bool) -> dict[str, Any]:
        if state["done"]:
            return state
        now = self._now()
        if poll:
            state["polls"] += 1
        if state["status"] == "Canceling":
            state.update(status="Canceled", done=True, completed=now, modified=now)
            self._store.update_job(job_id, state)
            return state
        progress = _progress(state, now)
        if not poll and progress == state.get("progress", 0.0) and progress < 1.0:
            return state  # nothing moved: spare the write (tick runs on every request)
        state["progress"] = min(progress, 1.0)
        if progress >= 1.0:
            self._complete(job_id, state, now)
        elif progress > 0 and state["status"] == "Pending":
            state.update(status="InProgress", started=now, modified=now)
        else:
            state["modified"] = now
        self._store.update_job(job_id, state)
        return state

    def _complete(self, job_id: str, state: dict[str, Any], now: float) -> None:
        options = DeployOptions(
            **{**state["options"], "run_tests": tuple(state["options"]["run_tests"])}
        )
        files = zips.read_zip(self._store.job_payload(job_id) or b"", self._limits())
        outcome = deployment.execute(self._store, files, options, now)
        state.update(
            status=outcome.status,
            done=True,
            started=state["started"] or now,
            completed=now,
            modified=now,
            outcome=outcome.to_json(),
        )


def _progress(state: dict[str, Any], now: float) -> float:
    timing = state["timing"]
    if timing["never"]:
        return 0.5 if state["polls"] or now > state["created"] else 0.0
    shares = []
    if timing["polls"]:
        shares.append(state["polls"] / timing["polls"])
    if timing["seconds"]:
        shares.append((now - state["created"]) / timing["seconds"])
    return max(shares) if shares else 1.0


def _count_components(files: dict[str, bytes]) -> int:
    return sum(1 for name in files if not name.endswith(".xml") or name.endswith("-meta.xml")) or 0


def _check_tests(options: DeployOptions) -> None:
    if options.test_level == "RunSpecifiedTests" and not options.run_tests:
        raise JobError(
            "INVALID_OPERATION",
            "You must specify at least one test class when the test level is RunSpecifiedTests.",
        )
    if options.run_tests and options.test_level != "RunSpecifiedTests":
        raise JobError(
            "INVALID_OPERATION",
            "runTests can be set only when the test level is RunSpecifiedTests.",
        )


def to_result(
    job_id: str, state: dict[str, Any], outcome: Outcome | None, *, user_name: str = ""
) -> DeployResult:
    """Dress a job's state as the DeployResult checkDeployStatus returns."""
    options = state["options"]
    total = outcome.components_total if outcome else state["total"]
    deployed = outcome.components_deployed if outcome else _deployed_so_far(state)
    return DeployResult(
        id=job_id,
        status=state["status"],
        done=state["done"],
        success=state["status"] in ("Succeeded", "SucceededPartial"),
        check_only=options["check_only"],
        ignore_warnings=options["ignore_warnings"],
        rollback_on_error=options["rollback_on_error"],
        run_tests_enabled=options["test_level"] not in (None, "NoTestRun"),
        created_by=state["created_by"][:15],
        created_by_name=user_name,
        created_date=state["created"],
        last_modified_date=state["modified"],
        number_components_total=total,
        number_components_deployed=deployed,
        number_component_errors=outcome.component_errors if outcome else 0,
        number_tests_total=outcome.tests_total if outcome else 0,
        number_tests_completed=outcome.tests_total if outcome else 0,
        number_test_errors=len(outcome.test_failures) if outcome else 0,
        start_date=state["started"],
        completed_date=state["completed"] if state["done"] else None,
        canceled_by=state["canceled_by"][:15] if state["canceled_by"] else None,
        canceled_by_name=user_name if state["canceled_by"] else None,
        error_message=outcome.error_message if outcome else None,
        error_status_code=outcome.error_status_code if outcome else None,
        successes=outcome.successes if outcome else (),
        failures=outcome.failures if outcome else (),
        test_failures=outcome.test_failures if outcome else (),
    )


def _deployed_so_far(state: dict[str, Any]) -> int:
    if state["status"] != "InProgress":
        return 0
    total = int(state["total"])
    return min(int(total * float(state.get("progress", 0.5))), max(total - 1, 0))
