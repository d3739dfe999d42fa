"""Run a users Plan over the REST API, phase by phase, and say exactly what got done.

Steps of one phase go out in composite requests of up to 25 (one request each when the org has
no composite API). Creates are all-or-none, so a taken username writes nothing. After a phase
with a failure nothing more is attempted; the result lists done, failed and not-attempted
steps, and running apply again (a fresh plan from the org) finishes the job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby
from typing import Any

from apionly_deploy.errors import (
    ApionlyError,
    DuplicateUsername,
    NotFound,
    RemoteError,
    RestApiError,
    UserPlanProblems,
)
from apionly_deploy.salesforce.rest_api import COMPOSITE_LIMIT, RestClient, SubRequest, SubResponse
from apionly_deploy.users.plan import Phase, Plan, Step, StepKind


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the request went out but no answer came back
    NOT_ATTEMPTED = "not_attempted"


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    outcome: Outcome
    message: str | None = None


@dataclass(slots=True)
class ApplyResult:
    """What an apply did, step by step, in apply order."""

    org: str
    results: list[StepResult] = field(default_factory=list)
    remote_failure: bool = False

    @property
    def ok(self) -> bool:
        return all(r.outcome is Outcome.DONE for r in self.results)

    def of(self, outcome: Outcome) -> list[StepResult]:
        return [r for r in self.results if r.outcome is outcome]


def require_applicable(plan: Plan) -> None:
    """Raise UserPlanProblems when the plan has problems, before anything is written."""
    if plan.problems:
        raise UserPlanProblems(
            f"{len(plan.problems)} problem(s) with the users for org {plan.org!r}; nothing "
            "was written:\n  " + "\n  ".join(plan.problems),
            plan.problems,
        )


def apply_plan(
    client: RestClient,
    plan: Plan,
    *,
    on_step: Callable[[StepResult], None] | None = None,
) -> ApplyResult:
    """Apply ``plan`` (refusing one with problems); never raises for a failed step."""
    require_applicable(plan)
    result = ApplyResult(plan.org)
    runner = _Runner(client)
    stopped = False
    for phase, group in groupby(plan.steps, key=lambda s: s.phase):
        steps = list(group)
        if stopped:
            result.results += [StepResult(s, Outcome.NOT_ATTEMPTED) for s in steps]
            continue
        outcomes = runner.run_phase(phase, steps)
        result.results += outcomes
        for outcome in outcomes:
            if on_step is not None:
                on_step(outcome)
        result.remote_failure = result.remote_failure or runner.remote_failure
        stopped = any(o.outcome is not Outcome.DONE for o in outcomes)
    return result


class _Runner:
    """Turns steps into subrequests, remembers new user ids, batches, falls back."""

    def __init__(self, client: RestClient) -> None:
        self.client = client
        self.user_ids: dict[str, str] = {}
        self.composite = True
        self.remote_failure = False

    def run_phase(self, phase: Phase, steps: Sequence[Step]) -> list[StepResult]:
        all_or_none = phase is Phase.CREATE
        results: list[StepResult] = []
        for start in range(0, len(steps), COMPOSITE_LIMIT):
            batch = steps[start : start + COMPOSITE_LIMIT]
            try:
                answers, atomic = self._send([self._request(s) for s in batch], all_or_none)
            except ApionlyError as exc:
                self.remote_failure = isinstance(exc, RemoteError)
                results += [StepResult(s, Outcome.UNKNOWN, str(exc)) for s in batch]
                results += [
                    StepResult(s, Outcome.NOT_ATTEMPTED) for s in steps[start + len(batch) :]
                ]
                return results
            results += [self._outcome(s, a) for s, a in zip(batch, answers, strict=True)]
            if atomic and any(r.outcome is Outcome.FAILED for r in results):
                results = _rolled_back(results)
                results += [
                    StepResult(s, Outcome.NOT_ATTEMPTED) for s in steps[start + len(batch) :]
                ]
                return results
        return results

    def _send(
        self, requests: list[SubRequest], all_or_none: bool
    ) -> tuple[list[SubResponse], bool]:
        """Return the answers, and whether the batch ran as one all-or-none transaction."""
        if self.composite and len(requests) > 1:
            try:
                return self.client.composite(requests, all_or_none=all_or_none), all_or_none
            except NotFound:
                self.composite = False  # an org (or emulator) without the composite resource
        answers = []
        for request in requests:
            answers.append(self.client.run(request))
            if all_or_none and answers[-1].error is not None:
                break  # without composite, stop at the first failed create
        skipped = [SubResponse(0, None, _NOT_SENT)] * (len(requests) - len(answers))
        return answers + skipped, False

    def _request(self, step: Step) -> SubRequest:
        uid = step.user_id or self.user_ids.get(step.username.lower(), "")
        kind = step.kind
        if kind is StepKind.CREATE:
            body = {f.field: f.after for f in step.fields if f.field != "ProfileId"}
            return SubRequest("POST", "sobjects/User", {**body, "ProfileId": step.target_id})
        if kind in (StepKind.UPDATE, StepKind.DEACTIVATE):
            body = {f.field: f.after for f in step.fields}
            if "ProfileId" in body:
                body["ProfileId"] = step.target_id
            return SubRequest("PATCH", f"sobjects/User/{uid}", body)
        if kind is StepKind.ASSIGN_PSL:
            return SubRequest(
                "POST",
                "sobjects/PermissionSetLicenseAssign",
                {"AssigneeId": uid, "PermissionSetLicenseId": step.target_id},
            )
        if kind is StepKind.ASSIGN_SET:
            return SubRequest(
                "POST",
                "sobjects/PermissionSetAssignment",
                {"AssigneeId": uid, "PermissionSetId": step.target_id},
            )
        if kind is StepKind.ASSIGN_GROUP:
            return SubRequest(
                "POST",
                "sobjects/PermissionSetAssignment",
                {"AssigneeId": uid, "PermissionSetGroupId": step.target_id},
            )
        sobject = (
            "PermissionSetLicenseAssign"
            if kind is StepKind.UNASSIGN_PSL
            else "PermissionSetAssignment"
        )
        return SubRequest("DELETE", f"sobjects/{sobject}/{step.record_id}")

    def _outcome(self, step: Step, answer: SubResponse) -> StepResult:
        if answer.error is _NOT_SENT:
            return StepResult(step, Outcome.NOT_ATTEMPTED, str(_NOT_SENT))
        if answer.error is None:
            if step.kind is StepKind.CREATE and answer.record_id:
                self.user_ids[step.username.lower()] = answer.record_id
            return StepResult(step, Outcome.DONE)
        return StepResult(step, Outcome.FAILED, explain(step, answer.error))


_NOT_SENT = RestApiError("NOT_SENT", "not sent: an earlier create of the batch failed")


def _rolled_back(results: list[StepResult]) -> list[StepResult]:
    """With allOrNone, successes of a failed batch were rolled back: nothing was created."""
    return [
        r
        if r.outcome is Outcome.FAILED
        else StepResult(r.step, Outcome.NOT_ATTEMPTED, "rolled back with the failed create")
        for r in results
    ]


def explain(step: Step, error: RestApiError) -> str:
    """Return the error of one step in words an admin can act on."""
    if isinstance(error, DuplicateUsername):
        return (
            f"username {step.username!r} is taken, most likely in another Salesforce org "
            "(usernames are unique across all orgs); choose another, or give this org a "
            'suffix: username_suffix = ".uat" in [orgs.ORG.vars]'
        )
    if error.code == "PROCESSING_HALTED":
        return "rolled back because another step in the same batch failed"
    fields = f" (fields: {', '.join(error.fields)})" if error.fields else ""
    return f"{error}{fields}"


def describe_step(step: Step) -> str:
    """Return a short description of a step, for messages."""
    if step.kind is StepKind.CREATE:
        return f"create user {step.username} (profile {step.target})"
    if step.kind is StepKind.UPDATE:
        return f"update user {step.username} ({', '.join(f.field for f in step.fields)})"
    if step.kind is StepKind.DEACTIVATE:
        return f"deactivate user {step.username}"
    verb = step.kind.value.replace("_", " ")
    return f"{verb} {step.target} for {step.username}"


def summary(result: ApplyResult) -> dict[str, Any]:
    """Return counts per outcome."""
    return {o.value: len(result.of(o)) for o in Outcome}
