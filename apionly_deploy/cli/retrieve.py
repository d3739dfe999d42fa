"""`retrieve`: bring an org's Profiles, Permission Sets and Groups into the project."""

from __future__ import annotations

from pathlib import Path

import click

from apionly_deploy.cli.main import cli, echo_result, json_option, project_option, wait_option


@cli.command()
@project_option(file_okay=False)
@click.option(
    "-o",
    "--target-org",
    "org",
    required=True,
    metavar="ORG",
    envvar="APIONLY_TARGET_ORG",
    show_envvar=True,
    help="Org from [orgs.NAME], 'local' or 'env'.",
)
@click.option(
    "--permission-set",
    "permission_sets",
    multiple=True,
    metavar="NAME",
    help="Permission set to retrieve (repeatable).",
)
@click.option(
    "--muting-permission-set",
    "muting_sets",
    multiple=True,
    metavar="NAME",
    help="Muting permission set to retrieve (repeatable).",
)
@click.option(
    "--profile", "profiles", multiple=True, metavar="NAME", help="Profile to retrieve (repeatable)."
)
@click.option(
    "--permission-set-group",
    "groups",
    multiple=True,
    metavar="NAME",
    help="Permission set group to retrieve (repeatable).",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Retrieve every profile, permission set, muting permission set and group.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to write the files [default: PROJECT/retrieved/ORG].",
)
@click.option(
    "--format",
    "layout",
    type=click.Choice(["source", "mdapi"]),
    default="source",
    show_default=True,
    help="source: sfdx layout (force-app/main/default); mdapi.",
)
@click.option(
    "--to-config",
    is_flag=True,
    help="Also add what was retrieved to apionly.toml (tables it lacks only).",
)
@wait_option(10.0, "Give up after MIN minutes (exit 4).")
@json_option()
def retrieve(
    project_dir: Path,
    org: str,
    permission_sets: tuple[str, ...],
    muting_sets: tuple[str, ...],
    profiles: tuple[str, ...],
    groups: tuple[str, ...],
    everything: bool,
    out_dir: Path | None,
    layout: str,
    to_config: bool,
    wait_minutes: float,
    as_json: bool,
) -> None:
    """Retrieve Profiles, Permission Sets and Groups (by name, or --all) into source files.

    Salesforce returns a profile's object, field, class, page, tab, app, layout, flow, record
    type and data source entries only for components named in the same request, so a profile
    retrieve also asks for every object and record type (by name, from listMetadata) and for
    all classes, pages, apps, custom permissions, tabs, data sources, flows and layouts.
    Only the permission files are written.
    """
    from apionly_deploy.check.schema import newest_version
    from apionly_deploy.model.components import Kind
    from apionly_deploy.project.config import PROJECT_FILE, load_project
    from apionly_deploy.project.to_config import add_to_project
    from apionly_deploy.salesforce import retrieve as retrieving
    from apionly_deploy.salesforce.deploy.connection import connect_to

    if not (everything or permission_sets or muting_sets or profiles or groups):
        raise click.UsageError(
            "name what to retrieve (--permission-set, --profile, "
            "--permission-set-group) or pass --all"
        )
    project_file = project_dir / PROJECT_FILE
    project = load_project(project_dir) if project_file.is_file() else None
    selection = retrieving.Selection(
        {
            Kind.PERMISSION_SET: permission_sets,
            Kind.MUTING_PERMISSION_SET: muting_sets,
            Kind.PROFILE: profiles,
            Kind.PERMISSION_SET_GROUP: groups,
        },
        everything=everything,
    )
    # Without a project, ask at the newest version this tool knows: an older one would leave
    # out the elements newer versions added, and the adopted project would revoke them.
    api_version = project.api_version if project is not None else newest_version()
    out = out_dir or project_dir / "retrieved" / org
    with connect_to(org, project=project, project_dir=project_dir, api_version=api_version) as conn:
        got = retrieving.retrieve_into(
            conn.client(),
            selection,
            out_dir=out,
            layout=layout,
            timeout=wait_minutes * 60,
            relogin=conn.relogin,
        )
        version = conn.api_version
    for message in got.messages:
        click.echo(f"warning: {message}", err=True)
    result: dict[str, object] = {
        "org": org,
        "out": str(out),
        "components": [{"type": str(c.kind), "name": c.name} for c in got.components],
    }
    lines = [f"retrieved {len(got.components)} component(s) from {org} into {out}"]
    lines += [f"  {c.kind}  {c.name}" for c in got.components]
    if to_config:
        converted, skipped = add_to_project(
            project_file, got.components, api_version=version, origin=f"org {org}"
        )
        added = len(got.components) - len(skipped)
        result.update(project_file=str(project_file), added=added, skipped=list(skipped))
        lines.append(f"added {added} table(s) to {project_file}")
        lines += [f"  skipped (already declared): {item}" for item in skipped]
        for item in converted.verbatim:
            click.echo(f"  note: kept verbatim under `other` (no short key): {item}", err=True)
    echo_result(as_json, result, "\n".join(lines))
