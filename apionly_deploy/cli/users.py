"""`users plan|apply` and `doctor`: provision the users, check what the org supports."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from apionly_deploy.cli.main import cli, project_option
from apionly_deploy.errors import ApionlyError, ExitCode, UserPlanProblems, UsersNotApplied
from apionly_deploy.project.config import PROJECT_FILE
from apionly_deploy.report import users as report
from apionly_deploy.users import provision
from apionly_deploy.users.apply import Outcome, StepResult, apply_plan, describe_step
from apionly_deploy.users.doctor import Status

_project = project_option()
_org = click.option(
    "-o",
    "--target-org",
    "org",
    required=True,
    envvar="APIONLY_TARGET_ORG",
    show_envvar=True,
    help="Org: local, env, or a name from [orgs.NAME].",
)
_json = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
_prune = click.option(
    "--prune",
    is_flag=True,
    help="Deactivate API-only users that hold the project's access but are not in the file "
    "(never deletes).",
)


@cli.group()
def users() -> None:
    """Create and update the project's [users."NAME"] in an org over the REST API."""


@users.command("plan")
@_project
@_org
@_json
@_prune
def plan_command(project_dir: Path, org: str, as_json: bool, prune: bool) -> None:
    """Show what `users apply` would change (create / update / assign / unassign / no-op).

    Exits 1 when a problem (missing profile, no free seat...) would stop the apply.
    """
    project = provision.load_users_project(project_dir, org=org)
    with provision.open_org(project.project, org) as clients:
        plan = provision.plan_for(project, clients, prune=prune)
    click.echo(
        report.format_plan_json(plan) if as_json else report.format_plan_text(plan), nl=False
    )
    if plan.problems:
        raise click.exceptions.Exit(ExitCode.FAILED)


@users.command("apply")
@_project
@_org
@_json
@_prune
def apply_command(project_dir: Path, org: str, as_json: bool, prune: bool) -> None:
    """Make the org's users match the project file; a second run changes nothing.

    Permission set licenses are assigned before permission sets and groups. On a failure the
    output lists what was done and what was not; running it again finishes the job.
    """
    project = provision.load_users_project(project_dir, org=org)
    with provision.open_org(project.project, org) as clients:
        plan = provision.plan_for(project, clients, prune=prune)
        if plan.problems:
            if as_json:
                click.echo(report.format_plan_json(plan), nl=False)
            raise UserPlanProblems(
                f"{len(plan.problems)} problem(s); nothing was written:\n  "
                + "\n  ".join(plan.problems),
                plan.problems,
            )
        if not as_json:
            click.echo(report.format_plan_text(plan), nl=False, err=True)
        result = apply_plan(clients.rest, plan, on_step=None if as_json else _progress)
    out = report.format_apply_json(result, plan) if as_json else report.format_apply_text(result)
    click.echo(out, nl=False)
    if not result.ok:
        raise click.exceptions.Exit(ExitCode.REMOTE if result.remote_failure else ExitCode.FAILED)


def _progress(step: StepResult) -> None:
    click.echo(f"{step.outcome.value}: {describe_step(step.step)}", err=True)


@cli.command("doctor")
@_project
@_org
@_json
def doctor_command(project_dir: Path, org: str, as_json: bool) -> None:
    """Check what the org supports for API-only users and whether the project's users are right.

    Runs without a project file too (then only the org checks). Exits 1 on any problem.
    """
    has_project = (project_dir / PROJECT_FILE).is_file() or project_dir.is_file()
    project = provision.load_users_project(project_dir, org=org) if has_project else None
    if project is not None:
        opened = provision.open_org(project.project, org)
    else:
        opened = provision.open_org_without_project(project_dir, org)
    with opened as clients:
        result = provision.doctor_for(project, clients)
    click.echo(
        report.format_doctor_json(result) if as_json else report.format_doctor_text(result),
        nl=False,
    )
    if result.status is Status.PROBLEM:
        raise click.exceptions.Exit(ExitCode.FAILED)


def with_users(
    action: Callable[[Any], Any], project_dir: Path, *, prune: bool = False
) -> Callable[[Any], Any]:
    """Wrap a deploy action so users are applied on the same session after a real success.

    For ``deploy start --with-users``: the deploy CLI does
    ``if kw["with_users"]: action = with_users(action, project_dir)``. A check-only, failed or
    detached deploy applies nothing; a users failure becomes the target's error.
    """

    def wrapped(run: Any) -> Any:
        outcome = action(run)
        result = outcome.result
        if outcome.error is not None or result is None or not result.success or result.check_only:
            return outcome
        try:
            _plan, applied = provision.apply_users_after_deploy(run.conn, project_dir, prune=prune)
        except ApionlyError as exc:
            return dataclasses.replace(outcome, error=exc)
        click.echo(report.format_apply_text(applied), nl=False)
        if not applied.ok:
            failed = len(applied.results) - len(applied.of(Outcome.DONE))
            error = UsersNotApplied(f"users apply on {run.conn.name!r}: {failed} step(s) not done")
            return dataclasses.replace(outcome, error=error)
        return outcome

    return wrapped
