"""`deploy start|validate|quick|report|resume|cancel`: push a package and say what happened.

Results go to stdout (text, or one JSON document with --json); progress and errors to stderr.
Heavy modules (requests, lxml, the emulator) are imported only when a command runs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from apionly_deploy.cli.deploy_options import (
    Following,
    Upload,
    following_options,
    upload_options,
)
from apionly_deploy.cli.main import cli, use_color

if TYPE_CHECKING:
    from apionly_deploy.salesforce.auth import OrgConfig
    from apionly_deploy.salesforce.deploy import Outcome, Payload, PollPolicy, TargetRun


@cli.group()
def deploy() -> None:
    """Deploy to one or more orgs and follow the deploy to the end."""


@deploy.command("start")
@following_options()
@upload_options
@click.option(
    "--dry-run", is_flag=True, help="Check-only deploy: validate in the org, save nothing."
)
@click.option(
    "--with-users",
    is_flag=True,
    help="After a successful deploy, apply the project's [users] (like `users apply`).",
)
def start_command(dry_run: bool, with_users: bool, **kwargs: Any) -> None:
    """Render, validate, package and deploy the project (or a --zip, --metadata-dir or
    --source-dir)."""
    _start(Following.of(kwargs), Upload.of(kwargs), check_only=dry_run, with_users=with_users)


@deploy.command("validate")
@following_options()
@upload_options
def validate_command(**kwargs: Any) -> None:
    """Check-only deploy; prints the job id for `deploy quick`."""
    _start(Following.of(kwargs), Upload.of(kwargs), check_only=True, validate=True)


def _job_option(help_text: str) -> Callable[..., Any]:
    return click.option("-i", "--job-id", metavar="ID", help=help_text, callback=_an_id)


def _an_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from apionly_deploy.model.text import is_salesforce_id, one_line

    if value is not None and not is_salesforce_id(value):
        raise click.BadParameter(
            f"{one_line(value)[:60]!r} is not a Salesforce id (15 or 18 letters and digits)"
        )
    return value


@deploy.command("quick")
@following_options()
@_job_option(
    "The validation to deploy (default: the latest `deploy validate` for the org recorded in "
    "PROJECT/.apionly/deploys.json; a fresh CI job passes the id).",
)
@click.option("--async", "detach", is_flag=True, help="Print the job id and return.")
def quick_command(job_id: str | None, detach: bool, **kwargs: Any) -> None:
    """Deploy a recent validation without running its tests again."""
    _job_verb("quick", job_id, Following.of(kwargs), detach=detach)


@deploy.command("report")
@following_options("Repeat for several orgs.", junit=False)
@_job_option("The deploy to report on (default: the latest recorded for the org).")
def report_command(job_id: str | None, **kwargs: Any) -> None:
    """Show where a deploy stands, once."""
    _job_verb("report", job_id, Following.of(kwargs))


@deploy.command("resume")
@following_options("Repeat for several orgs.")
@_job_option("The deploy to follow (default: the latest recorded for the org).")
def resume_command(job_id: str | None, **kwargs: Any) -> None:
    """Follow a deploy started earlier (after --async, a crash or a detach) to its end."""
    _job_verb("resume", job_id, Following.of(kwargs))


@deploy.command("cancel")
@following_options("Repeat for several orgs.", junit=False)
@_job_option("The deploy to cancel (default: the latest recorded for the org).")
def cancel_command(job_id: str | None, **kwargs: Any) -> None:
    """Cancel a running deploy and wait until the org has stopped it."""
    _job_verb("cancel", job_id, Following.of(kwargs))


# --- running ----------------------------------------------------------------------------------


def _orgs(project_dir: Path, names: Sequence[str]) -> list[OrgConfig]:
    from apionly_deploy.salesforce.auth import resolve_org

    tables: Any = {}
    locate = None
    root = project_dir if project_dir.is_dir() else project_dir.parent
    if (project_dir / "apionly.toml").is_file() or project_dir.is_file():
        from apionly_deploy.project.config import load_project

        project = load_project(project_dir)
        tables, locate = project.orgs, project.source.locate
    return [
        resolve_org(n, tables, base_dir=root, environ=os.environ, locate=locate)
        for n in dict.fromkeys(names)
    ]


def _payload(project_dir: Path, org: str, upload: Upload) -> Payload:
    from apionly_deploy.salesforce import deploy as deployer

    if upload.zip_file is not None:
        return deployer.from_zip_file(upload.zip_file)
    if upload.metadata_dir is not None:
        return deployer.from_metadata_dir(upload.metadata_dir)
    if upload.source_dirs:
        return _source_payload(list(upload.source_dirs))
    from apionly_deploy.project.pipeline import ValidationFailed

    try:
        return deployer.from_project(project_dir, org=org)
    except ValidationFailed as failed:
        from apionly_deploy.report.findings import format_text

        click.echo(format_text(list(failed.findings)).rstrip("\n"), err=True)
        raise


def _source_payload(folders: list[Path]) -> Payload:
    from apionly_deploy.model.sfdx import find_sfdx_root, load_sfdx_project
    from apionly_deploy.salesforce.deploy.payload import from_source_dirs

    root = find_sfdx_root(folders[0])
    version = load_sfdx_project(root).api_version if root is not None else None
    payload, left_out = from_source_dirs(folders, api_version=version)
    if left_out:
        shown = ", ".join(left_out[:3]) + (", ..." if len(left_out) > 3 else "")
        click.echo(
            f"note: {len(left_out)} file(s) of types apionly-deploy does not convert were left "
            f"out (deploy them with sf): {shown}",
            err=True,
        )
    return payload


def _start(
    following: Following,
    upload: Upload,
    *,
    check_only: bool,
    validate: bool = False,
    with_users: bool = False,
) -> None:
    from apionly_deploy.salesforce.deploy import Verb
    from apionly_deploy.salesforce.metadata_api import DeployOptions, TestLevel

    sources = [s for s in (upload.zip_file, upload.metadata_dir, upload.source_dirs) if s]
    if len(sources) > 1:
        raise click.UsageError("pass one of --zip, --metadata-dir or --source-dir")
    level = upload.test_level or ("RunSpecifiedTests" if upload.tests else None)
    options = DeployOptions(
        check_only=check_only,
        ignore_warnings=upload.ignore_warnings,
        purge_on_delete=upload.purge_on_delete,
        run_tests=upload.tests,
        test_level=TestLevel(level) if level else None,
    )
    project_dir = following.project_dir
    orgs = _orgs(project_dir, following.orgs)
    if sources:  # the same bytes for every org
        shared = _payload(project_dir, orgs[0].name, upload)
        payloads = {o.name: shared for o in orgs}
    else:
        payloads = {o.name: _payload(project_dir, o.name, upload) for o in orgs}

    def deploy_action(run: TargetRun) -> Outcome:
        return run.start(payloads[run.org], options, detach=upload.detach)

    action: Callable[[TargetRun], Outcome] = deploy_action
    if with_users:
        from apionly_deploy.cli.users import with_users as then_apply_users

        action = then_apply_users(action, project_dir)
    verb = Verb.VALIDATE if validate else Verb.START
    first = next(iter(payloads.values()))
    _run(orgs, action, verb, first, following)


def _job_verb(name: str, job_id: str | None, following: Following, *, detach: bool = False) -> None:
    from apionly_deploy.salesforce.deploy import JobStore, Verb

    project_dir = following.project_dir
    orgs = _orgs(project_dir, following.orgs)
    store = JobStore(project_dir if project_dir.is_dir() else project_dir.parent)
    if job_id is None:
        ids = {
            o.name: store.latest(o.name, kind="validate" if name == "quick" else None).id
            for o in orgs
        }
    else:
        ids = {o.name: job_id for o in orgs}

    def action(run: TargetRun) -> Outcome:
        job = ids[run.org]
        if name == "quick":
            return run.quick(job, detach=detach)
        return {"report": run.report, "resume": run.resume, "cancel": run.cancel}[name](job)

    _run(orgs, action, Verb(name), None, following)


def _run(
    targets: list[OrgConfig],
    action: Callable[[TargetRun], Outcome],
    verb: Any,
    payload: Payload | None,
    following: Following,
) -> None:
    from apionly_deploy.cli.deploy_output import Progress, emit
    from apionly_deploy.salesforce.deploy import Hooks, Plan, run_targets

    project_dir = following.project_dir
    root = project_dir if project_dir.is_dir() else project_dir.parent
    progress = Progress(
        stream=sys.stderr,
        live=sys.stderr.isatty() and len(targets) == 1,
        prefix=len(targets) > 1,
        clock=time.monotonic,
        color=use_color(sys.stderr),
    )
    plan = Plan(
        project_dir=root,
        verb=verb,
        wait=following.wait_minutes * 60,
        api_version=payload.api_version if payload else None,
    )
    hooks = Hooks(
        on_status=progress.status,
        on_event=progress.event,
        on_wait=progress.next_check,
        policy=_policy(following.poll_interval),
    )
    try:
        outcomes = run_targets(targets, action, plan, hooks)
    finally:
        progress.close()
    code = emit(
        outcomes,
        payload=payload,
        project_dir=root,
        as_json=following.as_json,
        junit=following.junit,
    )
    click.get_current_context().exit(code)


def _policy(text: str) -> PollPolicy:
    from apionly_deploy.salesforce.deploy import PollPolicy

    first, _, most = text.partition(":")
    try:
        initial = float(first)
        maximum = float(most) if most else max(initial, 2.0)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not FIRST[:MAX] seconds", param_hint="--poll-interval"
        ) from None
    if initial < 0 or maximum < initial:
        raise click.BadParameter("need 0 <= FIRST <= MAX", param_hint="--poll-interval")
    return PollPolicy(initial=initial, maximum=maximum)
