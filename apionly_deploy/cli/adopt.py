"""`import`: adopt existing permission files into apionly.toml, without an org."""

from __future__ import annotations

from pathlib import Path

import click

from apionly_deploy.cli.main import cli, echo_result, json_option, project_option


@cli.command("import")
@project_option("Project folder whose apionly.toml receives the tables (created if missing).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite tables the project declares already.")
@json_option()
def import_command(
    project_dir: Path, paths: tuple[Path, ...], replace: bool, as_json: bool
) -> None:
    """Adopt Profile, Permission Set, Muting Permission Set and Group files into apionly.toml.

    PATH may be files or folders in source or mdapi layout (an existing force-app). Every
    entry is kept: what has no short key goes under `other`, as the file has it. Nothing is
    written when a file cannot be adopted whole.
    """
    from apionly_deploy.project.importing import import_files

    done = import_files(project_dir, list(paths), replace=replace)
    for warning in done.warnings:
        click.echo(f"warning: {warning}", err=True)
    for item in done.converted.verbatim:
        click.echo(f"note: kept verbatim under `other` (no short key): {item}", err=True)
    lines = [f"{'replaced' if i in done.replaced else 'added'} {i}" for i in done.added]
    result = {
        "project_file": str(done.project_file),
        "added": [str(i) for i in done.added if i not in done.replaced],
        "replaced": [str(i) for i in done.replaced],
    }
    if lines or as_json:
        echo_result(as_json, result, "\n".join(lines))
    click.echo(f"wrote {done.project_file}", err=True)
