"""`diff`: what a deploy would change in the org's permissions, rated by risk."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from apionly_deploy.cli.main import cli, json_option, project_option, use_color
from apionly_deploy.errors import ExitCode
from apionly_deploy.report import diff as report
from apionly_deploy.review import gitrefs, risk
from apionly_deploy.review.audience import Assignment
from apionly_deploy.review.diff import Comparison, Risk, Side, compare, without_stays

_FORMATS: dict[str, Callable[[Comparison], str] | None] = {
    "text": None,  # needs to know about the terminal: see _output
    "markdown": report.format_markdown,
    "json": report.format_json,
}


def _sides(
    project_dir: Path, args: tuple[str, ...], from_org: str | None, org: str | None
) -> tuple[Side, Side]:
    if from_org is not None:
        if args:
            raise click.UsageError(
                "--from-org compares the project with the org: give no BASE/HEAD"
            )
        return gitrefs.org_sides(project_dir, from_org, environ=os.environ, vars_org=org)
    if len(args) == 2 and any(Path(arg).exists() for arg in args):
        return gitrefs.path_sides(Path(args[0]), Path(args[1]))
    if len(args) == 1 and Path(args[0]).is_file():
        raise click.UsageError("give two files to compare: apionly-deploy diff PATH_A PATH_B")
    prefer = os.environ.get("GITHUB_BASE_REF") or None
    base = gitrefs.ref_side(project_dir, args[0] if args else None, prefer=prefer, org=org)
    if len(args) == 2:
        return base, gitrefs.ref_side(project_dir, args[1], org=org)
    return base, gitrefs.worktree_side(project_dir, org=org)


def _assignments(project_dir: Path, org: str | None) -> tuple[Assignment, ...]:
    """Return the project's declared users (with ``org``'s username suffix), if it has any."""
    from apionly_deploy.project.config import PROJECT_FILE, load_project
    from apionly_deploy.users.config import declared_assignments

    if not (project_dir / PROJECT_FILE).is_file():
        return ()
    return declared_assignments(load_project(project_dir, org=org))


def _output(comparison: Comparison, fmt: str) -> str:
    formatter = _FORMATS[fmt]
    if formatter is not None:
        return formatter(comparison)
    return report.format_text(comparison, color=use_color(sys.stdout))


def _to_step_summary(comparison: Comparison) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not summary:
        return
    with Path(summary).open("a", encoding="utf-8") as handle:
        handle.write(report.format_markdown(comparison) + "\n")


@cli.command("diff")
@click.argument("refs_or_paths", metavar="[BASE [HEAD]] | PATH_A PATH_B", nargs=-1)
@project_option("Project folder, for git refs and --from-org.", file_okay=False)
@click.option(
    "-o",
    "--target-org",
    "org",
    metavar="ORG",
    envvar="APIONLY_TARGET_ORG",
    show_envvar=True,
    help="Render both sides with the per-org values of [orgs.ORG.vars], as a deploy to ORG would.",
)
@click.option(
    "--from-org",
    metavar="ORG",
    help="Compare what ORG holds now (retrieved) with the project: [orgs.NAME], local or env.",
)
@click.option(
    "--format", "fmt", type=click.Choice(list(_FORMATS)), default="text", show_default=True
)
@json_option("Print one JSON document (the same as --format json).")
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium"]),
    help="Exit 1 when a change is rated at this risk or above.",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Risk rules JSON to use instead of the built-in ones.",
)
def diff_command(
    refs_or_paths: tuple[str, ...],
    project_dir: Path,
    org: str | None,
    from_org: str | None,
    fmt: str,
    as_json: bool,
    fail_on: str | None,
    rules_file: Path | None,
) -> None:
    """Show what deploying would change in the org's permissions, rated by risk.

    \b
    apionly-deploy diff                 merge base with the default branch -> working tree
    apionly-deploy diff BASE [HEAD]     the project at two git refs (HEAD: working tree)
    apionly-deploy diff PATH_A PATH_B   any two Profile/PermissionSet files or folders
    apionly-deploy diff --from-org ORG  what ORG holds now -> the project
    apionly-deploy diff -o ORG ...      any of the above, rendered with ORG's [orgs.ORG.vars]
    """
    if len(refs_or_paths) > 2:
        raise click.UsageError("give at most two refs or paths")
    fmt = "json" if as_json else fmt
    rules = risk.load_rules(rules_file) if rules_file else None
    base, head = _sides(project_dir, refs_or_paths, from_org, org or from_org)
    comparison = compare(base, head, _assignments(project_dir, org or from_org))
    if from_org is not None:
        comparison = without_stays(comparison)
    comparison = risk.assess_comparison(comparison, rules)
    click.echo(_output(comparison, fmt), nl=False)
    _to_step_summary(comparison)
    worst = risk.highest(comparison.changes)
    if fail_on and worst is not None and worst.rank >= Risk(fail_on).rank:
        hits = sum(1 for c in comparison.changes if c.risk and c.risk.rank >= worst.rank)
        click.echo(f"diff: {hits} change(s) rated {worst} (--fail-on {fail_on})", err=True)
        raise click.exceptions.Exit(ExitCode.FAILED)
