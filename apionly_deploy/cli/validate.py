"""`validate`: check permission metadata offline and report findings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from apionly_deploy.check.discover import permission_files, sfdx_package_dirs
from apionly_deploy.check.rules import Finding, Severity
from apionly_deploy.check.validate import at_or_above, validate_paths
from apionly_deploy.cli.main import cli, project_option, use_color
from apionly_deploy.errors import ConfigError, ExitCode
from apionly_deploy.report.findings import (
    FORMATTERS,
    format_json_document,
    format_sarif,
    format_text,
    summary,
)

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
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document: the files checked, counts by severity, the findings.",
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
    as_json: bool,
    fail_on: str,
    api_version: str | None,
    jobs: int | None,
) -> None:
    """Check Profiles, Permission Sets, Muting Permission Sets and Groups offline.

    PATH may be files or folders in source or mdapi layout, or apionly.toml files (each
    project is checked). Without PATH: the project
    (apionly.toml) here, else every permission file under the package directories of the sfdx
    repository here (sfdx-project.json, at its sourceApiVersion).
    """
    findings: list[Finding] = []
    checked: list[str] = []
    projects = [p for p in paths if p.name == PROJECT_FILE and p.is_file()]
    paths = tuple(p for p in paths if p not in projects)
    if projects:  # a project file named as PATH (the pre-commit hook passes them so)
        from apionly_deploy.project.pipeline import validate_project

        for project_file in projects:
            findings += validate_project(project_file)
            checked.append(str(project_file))
    elif project_dir is not None or not paths:
        root = project_dir or Path(".")
        if (root / PROJECT_FILE).is_file() or root.is_file():
            from apionly_deploy.project.pipeline import validate_project  # the render stack

            findings += validate_project(root)
            checked.append(str(root if root.is_file() else root / PROJECT_FILE))
        elif project_dir is None and (sfdx := sfdx_package_dirs(Path.cwd())) is not None:
            paths, found_version = tuple(sfdx[0]), sfdx[1]
            api_version = api_version or found_version
        else:
            raise ConfigError(
                f"{root}: no {PROJECT_FILE} (nor sfdx-project.json) here; pass -p DIR, or PATH "
                "to validate files"
            )
    if paths:
        from apionly_deploy.check.workers import available_cores

        jobs = jobs or available_cores()
        findings += validate_paths(list(paths), api_version=api_version, jobs=jobs)
        checked += [str(p) for p in permission_files(list(paths))]
    if as_json:
        click.echo(format_json_document(findings, checked=checked), nl=False)
    elif fmt == "sarif":
        click.echo(format_sarif(findings, base=Path.cwd()), nl=False)
    elif fmt == "text":
        click.echo(format_text(findings, color=use_color(sys.stdout)), nl=False)
    else:
        click.echo(FORMATTERS[fmt](findings), nl=False)
    if not as_json and (fmt == "text" or findings):
        click.echo(summary(findings), err=True)
    if at_or_above(findings, Severity(fail_on)):
        raise SystemExit(ExitCode.FAILED)
