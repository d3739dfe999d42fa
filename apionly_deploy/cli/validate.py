"""`validate`: check permission metadata offline and report findings."""

from __future__ import annotations

from pathlib import Path

import click

from apionly_deploy.check.rules import Finding, Severity
from apionly_deploy.check.validate import at_or_above, validate_paths
from apionly_deploy.cli.main import cli, project_option
from apionly_deploy.errors import ConfigError, ExitCode
from apionly_deploy.report.findings import FORMATTERS, format_sarif, summary

PROJECT_FILE = "apionly.toml"


@cli.command("validate")
@project_option(
    "Project folder (holding apionly.toml) whose output to validate [default: here, "
    "when no PATH is given].",
    default=None,
)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif"]),
    default="text",
    show_default=True,
    help="text: file:line: severity RULE message; github: workflow annotations; sarif: code "
    "scanning.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this severity exists.",
)
@click.option(
    "--api-version",
    metavar="NN.0",
    help="API version of the files [default: from package.xml or sfdx-project.json].",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes that share the files when there are enough of them to pay (16 MB and "
    "more); 1 for one process [default: the cores available].",
)
def validate(
    project_dir: Path | None,
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str,
    api_version: str | None,
    jobs: int | None,
) -> None:
    """Check Profiles, Permission Sets, Muting Permission Sets and Groups offline.

    PATH may be files or folders in source or mdapi layout; without PATH, the project's
    rendered output is checked.
    """
    findings: list[Finding] = []
    if project_dir is not None or not paths:
        root = project_dir or Path(".")
        if not (root / PROJECT_FILE).is_file() and not root.is_file():
            raise ConfigError(
                f"{root}: no {PROJECT_FILE} here; pass -p DIR, or PATH to validate files"
            )
        from apionly_deploy.project.pipeline import validate_project  # the render stack is heavy

        findings += validate_project(root)
    if paths:
        from apionly_deploy.check.workers import available_cores

        jobs = jobs or available_cores()
        findings += validate_paths(list(paths), api_version=api_version, jobs=jobs)
    if fmt == "sarif":
        click.echo(format_sarif(findings, base=Path.cwd()), nl=False)
    else:
        click.echo(FORMATTERS[fmt](findings), nl=False)
    if fmt == "text" or findings:
        click.echo(summary(findings), err=True)
    if at_or_above(findings, Severity(fail_on)):
        raise SystemExit(ExitCode.FAILED)
