"""`init`, `render` and `package`: from the project file to XML files and a deployable zip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from apionly_deploy.cli.main import cli, echo_result, json_option
from apionly_deploy.cli.main import project_option as shared_project_option
from apionly_deploy.errors import ConfigError

if TYPE_CHECKING:
    from apionly_deploy.check.rules import Finding
    from apionly_deploy.project.pipeline import Built

# The library (Jinja, lxml) is imported when a command runs, so `--help` stays fast.
LAYOUTS = ("source", "mdapi")

project_option = shared_project_option(
    "Project folder (holding apionly.toml), or the project file itself."
)
org_option = click.option(
    "-o",
    "--target-org",
    "--vars-from",
    "org",
    metavar="ORG",
    envvar="APIONLY_TARGET_ORG",
    show_envvar=True,
    help="Use the per-org values of [orgs.ORG.vars].",
)
no_validate_option = click.option(
    "--no-validate", is_flag=True, help="Write even when validation finds errors."
)


def _build(project_dir: Path, org: str | None, no_validate: bool) -> Built:
    from apionly_deploy.project.pipeline import ValidationFailed, build_project

    try:
        built = build_project(project_dir, org=org, validate=not no_validate)
    except ValidationFailed as failed:
        _echo_findings(failed.findings)
        raise
    _echo_findings(built.findings)
    return built


def _echo_findings(findings: tuple[Finding, ...]) -> None:
    if not findings:
        return
    from apionly_deploy.report.findings import format_text

    click.echo(format_text(list(findings)).rstrip("\n"), err=True)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path), default=Path("."))
@json_option()
def init(directory: Path, as_json: bool) -> None:
    """Scaffold a working project in DIRECTORY (default: here)."""
    from apionly_deploy.project import init as scaffold

    written = scaffold.create(directory)
    lines = [f"{verb} {path}" for verb, path in written]
    lines.append(f"next: apionly-deploy render -p {directory}")
    result = {"files": [{"action": verb, "path": str(path)} for verb, path in written]}
    echo_result(as_json, result, "\n".join(lines))


@cli.command()
@project_option
@org_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output folder, replaced atomically, or an sfdx package directory to write into "
    "[default: PROJECT/out/FORMAT].",
)
@click.option(
    "--format",
    "layout",
    type=click.Choice(LAYOUTS),
    default=LAYOUTS[0],
    show_default=True,
    help="source: sfdx layout (force-app/main/default); mdapi: Metadata API layout.",
)
@no_validate_option
@json_option()
def render(
    project_dir: Path,
    org: str | None,
    out_dir: Path | None,
    layout: str,
    no_validate: bool,
    as_json: bool,
) -> None:
    """Render the project's Profiles, Permission Sets and Groups to XML.

    --out naming a package directory of an sfdx repository (force-app) writes into it: only the
    files of the components the project declares are written or replaced; every other file
    stays as it is. Files of components the project drops are removed (.apionly-owned.json
    records which files are the project's).
    """
    from apionly_deploy.render.package_dir import is_package_dir, write_into_package_dir
    from apionly_deploy.render.templates import Layout, write_tree

    chosen = Layout(layout)
    into_package_dir = out_dir is not None and is_package_dir(out_dir)
    if into_package_dir and chosen is not Layout.SOURCE:
        raise click.UsageError(f"{out_dir} is an sfdx package directory: use --format source")
    built = _build(project_dir, org, no_validate)
    files = built.render(chosen)
    target = out_dir or built.project.root / "out" / chosen.value
    count = len(built.bundle.components)
    if into_package_dir:
        done = write_into_package_dir(files, target)
        result = {
            "components": count,
            "format": chosen.value,
            "out": str(target),
            "written": list(done.written),
            "unchanged": list(done.unchanged),
            "removed": list(done.removed),
        }
        text = (
            f"rendered {count} component(s) into package directory {target}: "
            f"{len(done.written)} written, {len(done.unchanged)} unchanged, "
            f"{len(done.removed)} removed"
        )
    else:
        write_tree(files, target)
        result = {"components": count, "format": chosen.value, "out": str(target)}
        text = (
            f"rendered {count} component(s), {len(files)} file(s), {chosen.value} format: {target}"
        )
    echo_result(as_json, result, text)


@cli.command()
@project_option
@org_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Zip to write [default: PROJECT/out/package.zip].",
)
@no_validate_option
@json_option()
def package(
    project_dir: Path, org: str | None, out_file: Path | None, no_validate: bool, as_json: bool
) -> None:
    """Build the deployable zip (package.xml, and destructiveChanges.xml for [delete])."""
    from apionly_deploy.fileio import write_atomic

    built = _build(project_dir, org, no_validate)
    data = built.package()
    target = out_file or built.project.root / "out" / "package.zip"
    try:
        write_atomic(target, data)
    except OSError as exc:
        raise ConfigError(f"{target}: cannot write the zip ({exc.strerror}); pick --out") from None
    count = len(built.bundle.components)
    result = {"components": count, "bytes": len(data), "out": str(target)}
    echo_result(as_json, result, f"packaged {count} component(s), {len(data):,} bytes: {target}")
