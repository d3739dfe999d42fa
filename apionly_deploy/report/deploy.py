"""Deploy outcomes as text and as one JSON document (pure); CI formats are in ``deploy_ci``.

Every component failure reads ``file:line:col  problem`` so editors and CI logs can jump to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apionly_deploy.report.locations import Locate, plain_location, position
from apionly_deploy.salesforce.deploy.runner import Outcome, Verb, overall_exit_code, resume_command
from apionly_deploy.salesforce.metadata_api import DeployMessage, DeployResult, DeployStatus

JSON_VERSION = 1


# --- text -----------------------------------------------------------------------------------


def _counts(result: DeployResult) -> str:
    parts = [f"{result.components_deployed}/{result.components_total} components"]
    if result.component_errors:
        parts.append(f"{result.component_errors} component error(s)")
    if result.tests_total:
        parts.append(f"{result.tests_completed}/{result.tests_total} tests")
    if result.test_errors:
        parts.append(f"{result.test_errors} test error(s)")
    return ", ".join(parts)


def _headline(outcome: Outcome, result: DeployResult) -> str:
    what = {Verb.VALIDATE: "Validation", Verb.QUICK: "Quick deploy", Verb.CANCEL: "Deploy"}.get(
        outcome.verb, "Deploy"
    )
    if result.check_only and outcome.verb is not Verb.VALIDATE:
        what = "Check-only deploy"
    return f"{what} {result.id} on {outcome.org}: {result.status} ({_counts(result)})"


def text_summary(
    outcome: Outcome, *, locate: Locate | None = None, project_dir: Path | None = None
) -> str:
    """Return the human summary of one target's outcome."""
    locate = locate or plain_location()
    if outcome.error is not None:
        return f"{outcome.org}: {outcome.error}"
    result = outcome.result
    if result is None:
        follow = resume_command(outcome.org, outcome.job_id or "?", project_dir)
        return f"Deploy {outcome.job_id} started on {outcome.org}; follow it with: {follow}"
    lines = [_headline(outcome, result)]
    if result.error_message:
        lines.append(f"  {result.error_status_code or 'error'}: {result.error_message}")
    for message in result.component_failures:
        kind = message.problem_type or "Error"
        label = f"{message.component_type} {message.full_name}".strip()
        prefix = "" if kind == "Error" else f"{kind.lower()}: "
        lines.append(f"  {position(message, locate)}  {prefix}{message.problem}  [{label}]")
    lines.extend(_success_lines(result))
    lines.extend(_test_lines(result))
    if outcome.interrupted:
        lines.append("  Interrupted: the deploy was canceled in the org.")
    if outcome.verb is Verb.VALIDATE and result.success:
        quick = f"apionly-deploy deploy quick -o {outcome.org} --job-id {result.id}"
        lines.append(f"  Quick deploy it with: {quick}")
    return "\n".join(lines)


def rolled_back(result: DeployResult) -> bool:
    """Tell whether nothing of a finished deploy reached the org: it failed, so the org rolled
    every component back (or it only validated), whatever its successes say they would do."""
    return result.done and (result.status is DeployStatus.FAILED or result.check_only)


def _success_lines(result: DeployResult) -> list[str]:
    shown = [m for m in result.component_successes if m.full_name != "package.xml"]
    width = max((len(m.component_type) for m in shown), default=0)
    back = result.status is DeployStatus.FAILED and rolled_back(result)
    return [
        f"  {'rolled back' if back else _change(m):<9}  {m.component_type:<{width}}  {m.full_name}"
        for m in sorted(shown, key=lambda m: (m.component_type, m.full_name))
    ]


def _change(message: DeployMessage) -> str:
    if message.deleted:
        return "deleted"
    if message.created:
        return "created"
    return "changed" if message.changed else "unchanged"


def _test_lines(result: DeployResult) -> list[str]:
    tests = result.test_result
    if tests is None or not (tests.num_tests_run or tests.failures or tests.coverage_warnings):
        return []
    lines = [f"  Apex tests: {tests.num_tests_run} run, {tests.num_failures} failed"]
    for failure in tests.failures:
        lines.append(f"  {failure.name}.{failure.method_name}  {failure.message}")
    lines.extend(f"  coverage: {w.message}" for w in tests.coverage_warnings)
    return lines


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """Return one row per target: org, status, components, errors, tests, job."""
    rows = [("ORG", "STATUS", "COMPONENTS", "ERRORS", "TESTS", "JOB")]
    for o in outcomes:
        r = o.result
        if o.error is not None:
            rows.append((o.org, "error", "-", "-", "-", f"{o.job_id or ''} {o.error}".strip()))
        elif r is None:
            rows.append((o.org, "started", "-", "-", "-", o.job_id or ""))
        else:
            rows.append(
                (
                    o.org,
                    str(r.status),
                    f"{r.components_deployed}/{r.components_total}",
                    str(r.component_errors + r.test_errors),
                    f"{r.tests_completed}/{r.tests_total}",
                    r.id,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5]
        for row in rows
    )


# --- JSON -----------------------------------------------------------------------------------


def outcome_document(outcome: Outcome, *, locate: Locate | None = None) -> dict[str, Any]:
    """Return the stable JSON document of one target."""
    locate = locate or plain_location()
    r = outcome.result
    failures = r.component_failures if r is not None else ()
    successes = r.component_successes if r is not None else ()
    back = r is not None and rolled_back(r)
    doc: dict[str, Any] = {
        "version": JSON_VERSION,
        "org": outcome.org,
        "verb": str(outcome.verb),
        "id": r.id if r is not None else outcome.job_id,
        "status": str(r.status) if r is not None else ("Error" if outcome.error else "Queued"),
        "done": bool(r and (r.done or r.status.final)),
        "success": bool(r and r.success) and outcome.error is None,
        "check_only": bool(r and r.check_only),
        "exit_code": int(outcome.exit_code),
        "error": str(outcome.error) if outcome.error is not None else None,
        "interrupted": outcome.interrupted,
        "counts": _count_doc(r),
        "component_failures": [_message_doc(m, locate) for m in failures],
        "component_successes": [_message_doc(m, locate, deployed=not back) for m in successes],
        "tests": _tests_doc(r),
    }
    return doc


def _count_doc(r: DeployResult | None) -> dict[str, int]:
    if r is None:
        return dict.fromkeys(
            (
                "components_total",
                "components_deployed",
                "component_errors",
                "tests_total",
                "tests_completed",
                "test_errors",
            ),
            0,
        )
    return {
        "components_total": r.components_total,
        "components_deployed": r.components_deployed,
        "component_errors": r.component_errors,
        "tests_total": r.tests_total,
        "tests_completed": r.tests_completed,
        "test_errors": r.test_errors,
    }


def _message_doc(m: DeployMessage, locate: Locate, *, deployed: bool = True) -> dict[str, Any]:
    path, line, column = locate(m)
    doc: dict[str, Any] = {"type": m.component_type, "name": m.full_name, "file": path}
    if m.success:
        # A component of a rolled-back deploy is not in the org, whatever the org said it did.
        doc.update(
            deployed=deployed,
            changed=m.changed and deployed,
            created=m.created and deployed,
            deleted=m.deleted and deployed,
        )
    else:
        doc.update(line=line, column=column, problem=m.problem, problem_type=m.problem_type)
        doc.update(org_file=m.file_name, org_line=m.line, org_column=m.column)
    return doc


def _tests_doc(r: DeployResult | None) -> dict[str, Any]:
    t = r.test_result if r is not None else None
    if t is None:
        return {"run": 0, "failures": [], "successes": [], "coverage_warnings": []}
    return {
        "run": t.num_tests_run,
        "failures": [
            {
                "class": f.name,
                "method": f.method_name,
                "message": f.message,
                "stack_trace": f.stack_trace,
                "time": f.time,
            }
            for f in t.failures
        ],
        "successes": [
            {"class": s.name, "method": s.method_name, "time": s.time} for s in t.successes
        ],
        "coverage_warnings": [{"name": w.name, "message": w.message} for w in t.coverage_warnings],
    }


def json_report(outcomes: Sequence[Outcome], *, locate: Locate | None = None) -> str:
    """Return one JSON document: a target's document, or ``{success, exit_code, results}``."""
    docs = [outcome_document(o, locate=locate) for o in outcomes]
    if len(docs) == 1:
        return json.dumps(docs[0], indent=2)
    code = overall_exit_code(outcomes)
    wrapper = {
        "version": JSON_VERSION,
        "success": code == 0,
        "exit_code": int(code),
        "results": docs,
    }
    return json.dumps(wrapper, indent=2)
