"""Users plan, apply result and doctor report -> text (like an IaC plan) or stable JSON."""

from __future__ import annotations

import json
from typing import Any

from apionly_deploy.users.apply import ApplyResult, Outcome, describe_step
from apionly_deploy.users.doctor import DoctorReport
from apionly_deploy.users.plan import Plan, Step, StepKind, UserAction, UserPlan

PLAN_SCHEMA = "apionly-deploy/users-plan/1"
APPLY_SCHEMA = "apionly-deploy/users-apply/1"
DOCTOR_SCHEMA = "apionly-deploy/doctor/1"

_USER_MARK = {
    UserAction.CREATE: "+",
    UserAction.UPDATE: "~",
    UserAction.NO_OP: "=",
    UserAction.DEACTIVATE: "-",
}
_STEP_MARK = {
    StepKind.ASSIGN_PSL: "+",
    StepKind.ASSIGN_SET: "+",
    StepKind.ASSIGN_GROUP: "+",
    StepKind.UNASSIGN_PSL: "-",
    StepKind.UNASSIGN_SET: "-",
    StepKind.UNASSIGN_GROUP: "-",
}
_STEP_WORDS = {
    StepKind.ASSIGN_PSL: "assign permission set license",
    StepKind.ASSIGN_SET: "assign permission set",
    StepKind.ASSIGN_GROUP: "assign permission set group",
    StepKind.UNASSIGN_PSL: "unassign permission set license",
    StepKind.UNASSIGN_SET: "unassign permission set",
    StepKind.UNASSIGN_GROUP: "unassign permission set group",
}
_OUTCOME_MARK = {
    Outcome.DONE: "ok",
    Outcome.FAILED: "FAILED",
    Outcome.UNKNOWN: "UNKNOWN",
    Outcome.NOT_ATTEMPTED: "not attempted",
}


def _value(value: Any) -> str:
    return "(none)" if value is None or value == "" else json.dumps(value, ensure_ascii=False)


def _user_lines(user: UserPlan) -> list[str]:
    lines = [f"  {_USER_MARK[user.action]} {user.action.value:<10} {user.username}"]
    for step in user.steps:
        if step.kind in (StepKind.CREATE, StepKind.UPDATE, StepKind.DEACTIVATE):
            sign = "+" if step.kind is StepKind.CREATE else "~"
            for change in step.fields:
                arrow = (
                    _value(change.after)
                    if step.kind is StepKind.CREATE
                    else f"{_value(change.before)} -> {_value(change.after)}"
                )
                lines.append(f"      {sign} {change.field}: {arrow}")
        else:
            lines.append(f"      {_STEP_MARK[step.kind]} {_STEP_WORDS[step.kind]} {step.target}")
    lines += [f"      # {note}" for note in user.notes]
    return lines


def format_plan_text(plan: Plan) -> str:
    """Return the plan as text: one block per user, problems, then a summary line."""
    lines = [f"Users plan for org {plan.org!r}{' (with --prune)' if plan.prune else ''}:", ""]
    for user in plan.users:
        lines += _user_lines(user)
    if not plan.users:
        lines.append("  (no users declared in the project file)")
    if plan.problems:
        lines += ["", "Problems (apply writes nothing until they are fixed):"]
        lines += [f"  ! {problem}" for problem in plan.problems]
    lines += ["", _summary_line(plan)]
    return "\n".join(lines) + "\n"


def _summary_line(plan: Plan) -> str:
    counts = {a: plan.count(a) for a in UserAction}
    return (
        f"Plan: {counts[UserAction.CREATE]} to create, {counts[UserAction.UPDATE]} to update, "
        f"{counts[UserAction.DEACTIVATE]} to deactivate, {counts[UserAction.NO_OP]} unchanged; "
        f"{len(plan.steps)} step(s); {len(plan.problems)} problem(s)."
    )


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "kind": step.kind.value,
        "username": step.username,
        "target": step.target,
        "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in step.fields],
    }


def plan_dict(plan: Plan) -> dict[str, Any]:
    """Return the plan as JSON-ready data (schema ``apionly-deploy/users-plan/1``)."""
    return {
        "schema": PLAN_SCHEMA,
        "org": plan.org,
        "prune": plan.prune,
        "summary": {
            **{a.value: plan.count(a) for a in UserAction},
            "steps": len(plan.steps),
            "problems": len(plan.problems),
        },
        "problems": list(plan.problems),
        "users": [
            {
                "username": u.username,
                "action": u.action.value,
                "notes": list(u.notes),
                "steps": [_step_json(s) for s in u.steps],
            }
            for u in plan.users
        ],
    }


def format_plan_json(plan: Plan) -> str:
    """Return the plan as one JSON document."""
    return json.dumps(plan_dict(plan), indent=2, sort_keys=False, default=str) + "\n"


def format_apply_text(result: ApplyResult) -> str:
    """Return one line per step with its outcome, then the counts."""
    lines = [f"Users apply on org {result.org!r}:"]
    for item in result.results:
        message = f": {item.message}" if item.message else ""
        lines.append(f"  [{_OUTCOME_MARK[item.outcome]}] {describe_step(item.step)}{message}")
    if not result.results:
        lines.append("  nothing to do: the org already matches the project file")
    done, total = len(result.of(Outcome.DONE)), len(result.results)
    tail = "" if result.ok else "; run `users apply` again once the cause is fixed to finish"
    lines.append(f"Applied {done} of {total} step(s){tail}.")
    return "\n".join(lines) + "\n"


def apply_dict(result: ApplyResult, plan: Plan) -> dict[str, Any]:
    """Return the plan and the outcome of each step (schema ``apionly-deploy/users-apply/1``)."""
    return {
        "schema": APPLY_SCHEMA,
        "org": result.org,
        "ok": result.ok,
        "summary": {o.value: len(result.of(o)) for o in Outcome},
        "steps": [
            {**_step_json(r.step), "outcome": r.outcome.value, "message": r.message}
            for r in result.results
        ],
        "plan": plan_dict(plan),
    }


def format_apply_json(result: ApplyResult, plan: Plan) -> str:
    return json.dumps(apply_dict(result, plan), indent=2, default=str) + "\n"


def format_doctor_text(report: DoctorReport) -> str:
    """Return one line per check (status, title), its details indented, and its fix."""
    lines = [f"Doctor for org {report.org!r}:"]
    for check in report.checks:
        lines.append(f"  [{check.status.value}] {check.title}")
        lines += [f"      {detail}" for detail in check.details]
        if check.fix and check.status.value != "ok":
            lines.append(f"      fix: {check.fix}")
    lines.append(f"Overall: {report.status.value}.")
    return "\n".join(lines) + "\n"


def doctor_dict(report: DoctorReport) -> dict[str, Any]:
    """Return the doctor report as JSON-ready data (schema ``apionly-deploy/doctor/1``)."""
    return {
        "schema": DOCTOR_SCHEMA,
        "org": report.org,
        "status": report.status.value,
        "checks": [
            {
                "id": c.id,
                "status": c.status.value,
                "title": c.title,
                "details": list(c.details),
                "fix": c.fix,
            }
            for c in report.checks
        ],
    }


def format_doctor_json(report: DoctorReport) -> str:
    return json.dumps(doctor_dict(report), indent=2) + "\n"
