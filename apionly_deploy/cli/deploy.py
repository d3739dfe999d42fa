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

from apionly_deploy.cli.main import cli, json_option, project_option, use_color, wait_option

if TYPE_CHECKING:
    from apionly_deploy.salesforce.auth import OrgConfig
    from apionly_deploy.salesforce.deploy import Outcome, Payload, PollPolicy, TargetRun

TEST_LEVELS = ("NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg")


def _target_option(help_text: str) -> Callable[..., Any]:
    return click.option(
        "-o",
        "--target-org",
        "orgs",
        multiple=True,
        required=True,
        metavar="ORG",
        envvar="APIONLY_TARGET_ORG",
        show_envvar=True,
        help="Org from [orgs.NAME], 'local' (built-in local org) or 'env' (APIONLY_* "
        f"variables). {help_text}",
    )


_JUNIT = click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write JUnit XML: one test case per component and per Apex test.",
)


def _common(
    targets_help: str = "Repeat to deploy to several orgs at once.", *, junit: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    options = [
        project_option(),
        _target_option(targets_help),
        wait_option(
            33.0, "Give up after MIN minutes in all (exit 4; the deploy goes on in the org)."
        ),
        click.option(
            "--poll-interval",
            default="0.2:2",
            show_default=True,
            metavar="FIRST[:MAX]",
            envvar="APIONLY_POLL_INTERVAL",
            show_envvar=True,
            help="Seconds between status checks: the first, growing 1.5x up to MAX.",
        ),
        json_option(),
        *([_JUNIT] if junit else []),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def _payload_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--zip",
            "zip_file",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            help="Deploy this zip instead of the project.",
        ),
        click.option(
            "--metadata-dir",
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="Deploy this Metadata API folder instead of the project.",
        ),
        click.option(
            "-d",
            "--source-dir",
            "source_dirs",
            multiple=True,
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="Deploy this source-format folder (force-app) instead of the project: its "
            "permission files and the companion types the local org models. Repeatable.",
        ),
        click.option(
            "-l",
            "--test-level",
            type=click.Choice(TEST_LEVELS),
            help="Apex tests to run (default: the org's own default).",
        ),
        click.option(
            "-t",
            "--tests",
            multiple=True,
            metavar="CLASS",
            help="Apex test class to run (implies RunSpecifiedTests; repeatable).",
        ),
        click.option("--ignore-warnings", is_flag=True, help="Deploy even with warnings."),
        click.option(
            "--purge-on-delete",
            is_flag=True,
            help="Delete components for good instead of into the recycle bin.",
        ),
        click.option(
            "--async", "detach", is_flag=True, help="Print the job id and return without waiting."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.group()
def deploy() -> None:
    """Deploy to one or more orgs and follow the deploy to the end."""


@deploy.command("start")
@_common()
@_payload_options
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
    _start(check_only=dry_run, with_users=with_users, **kwargs)


@deploy.command("validate")
@_common()
@_payload_options
def validate_command(**kwargs: Any) -> None:
    """Check-only deploy; prints the job id for `deploy quick`."""
    _start(check_only=True, validate=True, **kwargs)


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
@_common()
@_job_option(
    "The validation to deploy (default: the latest `deploy validate` for the org recorded in "
    "PROJECT/.apionly/deploys.json; a fresh CI job passes the id).",
)
@click.option("--async", "detach", is_flag=True, help="Print the job id and return.")
def quick_command(job_id: str | None, detach: bool, **kwargs: Any) -> None:
    """Deploy a recent validation without running its tests again."""
    _job_verb("quick", job_id, detach=detach, **kwargs)


@deploy.command("report")
@_common("Repeat for several orgs.", junit=False)
@_job_option("The deploy to report on (default: the latest recorded for the org).")
def report_command(job_id: str | None, **kwargs: Any) -> None:
    """Show where a deploy stands, once."""
    _job_verb("report", job_id, **kwargs)


@deploy.command("resume")
@_common("Repeat for several orgs.")
@_job_option("The deploy to follow (default: the latest recorded for the org).")
def resume_command(job_id: str | None, **kwargs: Any) -> None:
    """Follow a deploy started earlier (after --async, a crash or a detach) to its end."""
    _job_verb("resume", job_id, **kwargs)


@deploy.command("cancel")
@_common("Repeat for several orgs.", junit=False)
@_job_option("The deploy to cancel (default: the latest recorded for the org).")
def cancel_command(job_id: str | None, **kwargs: Any) -> None:
    """Cancel a running deploy and wait until the org has stopped it."""
    _job_verb("cancel", job_id, **kwargs)


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


def _payload(project_dir: Path, org: str, kw: dict[str, Any]) -> Payload:
    from apionly_deploy.salesforce import deploy as deployer

    if kw["zip_file"] is not None:
        return deployer.from_zip_file(kw["zip_file"])
    if kw["metadata_dir"] is not None:
        return deployer.from_metadata_dir(kw["metadata_dir"])
    if kw["source_dirs"]:
        return _source_payload(list(kw["source_dirs"]))
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
    *, check_only: bool, validate: bool = False, with_users: bool = False, **kw: Any
) -> None:
    from apionly_deploy.salesforce.deploy import Verb
    from apionly_deploy.salesforce.metadata_api import DeployOptions, TestLevel

    given = [f for f in ("zip_file", "metadata_dir", "source_dirs") if kw[f]]
    if len(given) > 1:
        raise click.UsageError("pass one of --zip, --metadata-dir or --source-dir")
    tests = tuple(kw["tests"])
    level = kw["test_level"] or ("RunSpecifiedTests" if tests else None)
    options = DeployOptions(
        check_only=check_only,
        ignore_warnings=kw["ignore_warnings"],
        purge_on_delete=kw["purge_on_delete"],
        run_tests=tests,
        test_level=TestLevel(level) if level else None,
    )
    project_dir: Path = kw["project_dir"]
    orgs = _orgs(project_dir, kw["orgs"])
    if given:  # the same bytes for every org
        shared = _payload(project_dir, orgs[0].name, kw)
        payloads = {o.name: shared for o in orgs}
    else:
        payloads = {o.name: _payload(project_dir, o.name, kw) for o in orgs}

    def deploy_action(run: TargetRun) -> Outcome:
        return run.start(payloads[run.org], options, detach=kw["detach"])

    action: Callable[[TargetRun], Outcome] = deploy_action
    if with_users:
        from apionly_deploy.cli.users import with_users as then_apply_users

        action = then_apply_users(action, project_dir)
    verb = Verb.VALIDATE if validate else Verb.START
    first = next(iter(payloads.values()))
    _run(orgs, action, verb, first, **kw)


def _job_verb(name: str, job_id: str | None, *, detach: bool = False, **kw: Any) -> None:
    from apionly_deploy.salesforce.deploy import JobStore, Verb

    project_dir: Path = kw["project_dir"]
    orgs = _orgs(project_dir, kw["orgs"])
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

    _run(orgs, action, Verb(name), None, **kw)


def _run(
    targets: list[OrgConfig],
    action: Callable[[TargetRun], Outcome],
    verb: Any,
    payload: Payload | None,
    **kw: Any,
) -> None:
    from apionly_deploy.cli.deploy_output import Progress, emit
    from apionly_deploy.salesforce.deploy import Hooks, Plan, run_targets

    project_dir: Path = kw["project_dir"]
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
        wait=kw["wait_minutes"] * 60,
        api_version=payload.api_version if payload else None,
    )
    hooks = Hooks(
        on_status=progress.status,
        on_event=progress.event,
        on_wait=progress.next_check,
        policy=_policy(kw["poll_interval"]),
    )
    try:
        outcomes = run_targets(targets, action, plan, hooks)
    finally:
        progress.close()
    code = emit(
        outcomes,
        payload=payload,
        project_dir=root,
        as_json=kw["as_json"],
        junit=kw.get("junit"),
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
