"""Users and doctor end to end: project file + org -> plan, apply, doctor report.

``open_org`` logs in (starting the embedded local org for ``-o local``) and hands out a REST
client and a Metadata API client on the same session. ``apply_users`` is also the hook for
``deploy start --with-users``: it takes an open deploy ``Connection``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import ApionlyError
from apionly_deploy.model.components import Bundle, Kind
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.project.config import Project, load_project
from apionly_deploy.project.declarations import build_bundle
from apionly_deploy.salesforce.deploy import Connection
from apionly_deploy.salesforce.deploy.connection import connect_to
from apionly_deploy.salesforce.metadata_api import MetadataClient
from apionly_deploy.salesforce.rest_api import RestClient
from apionly_deploy.users.apply import ApplyResult, apply_plan, require_applicable
from apionly_deploy.users.config import DesiredUser, desired_users
from apionly_deploy.users.doctor import DoctorReport, OrgComponents, run_doctor
from apionly_deploy.users.plan import Managed, Plan, plan_users
from apionly_deploy.users.state import read_org_state

_COMPONENT_TABLES = ("permission_sets", "profiles", "permission_set_groups")
#: readMetadata reads at most 10 components per call.
READ_METADATA_LIMIT = 10


@dataclass(slots=True)
class OrgClients:
    """An open org: its name, REST client, Metadata API client and the logged-in username."""

    name: str
    rest: RestClient
    metadata: MetadataClient
    username: str | None = None


@dataclass(frozen=True, slots=True)
class UsersProject:
    """The project's side: its users, and the access it owns (for --prune)."""

    project: Project
    bundle: Bundle
    users: tuple[DesiredUser, ...]

    @property
    def managed(self) -> Managed:
        names = {kind: {c.name for c in self.bundle.of_kind(kind)} for kind in Kind}
        custom_profiles = {
            c.name
            for c in self.bundle.of_kind(Kind.PROFILE)
            if getattr(c, "custom", True) is not False
        }
        return Managed(
            profiles=frozenset(custom_profiles),
            permission_sets=frozenset(names[Kind.PERMISSION_SET]),
            groups=frozenset(names[Kind.PERMISSION_SET_GROUP]),
        )


def load_users_project(project_dir: Path, *, org: str) -> UsersProject:
    """Load the project with ``org``'s variables (so usernames get its suffix)."""
    project = load_project(project_dir, org=org)
    declares = any(project.table(key) for key in _COMPONENT_TABLES)
    bundle = build_bundle(project) if declares else Bundle(api_version=project.api_version)
    return UsersProject(project, bundle, desired_users(project))


def rest_client_for(connection: Connection) -> RestClient:
    """Return a REST client on a deploy Connection's session (renewed when it expires)."""

    def refresh() -> str:
        connection.relogin()
        return connection.session.access_token

    return RestClient(
        connection.http.session,
        instance_url=connection.session.instance_url,
        access_token=connection.session.access_token,
        api_version=connection.api_version,
        verify=connection.http.verify,
        refresh=refresh if connection.session.refreshable else None,
        deadline=connection.http.deadline,
    )


@contextmanager
def open_org(
    project: Project, org_name: str, *, environ: Mapping[str, str] | None = None
) -> Iterator[OrgClients]:
    """Log in to ``org_name`` (``local``, ``env`` or an ``[orgs.NAME]`` table)."""
    with _open(project, project.root, org_name, environ) as clients:
        yield clients


@contextmanager
def open_org_without_project(
    folder: Path, org_name: str, *, environ: Mapping[str, str] | None = None
) -> Iterator[OrgClients]:
    """Log in to ``local`` (state under ``folder``) or ``env`` with no project file."""
    with _open(None, folder, org_name, environ) as clients:
        yield clients


@contextmanager
def _open(
    project: Project | None, root: Path, org_name: str, environ: Mapping[str, str] | None
) -> Iterator[OrgClients]:
    with connect_to(org_name, project=project, project_dir=root, environ=environ) as connection:
        rest = rest_client_for(connection)
        yield OrgClients(org_name, rest, connection.client(), session_username(rest))


def session_username(rest: RestClient) -> str | None:
    """Return the logged-in user's username (never pruned), or None when the org won't say."""
    try:
        return rest.identity().get("preferred_username") or None
    except ApionlyError:
        return None


def plan_for(users: UsersProject, clients: OrgClients, *, prune: bool = False) -> Plan:
    """Read the org and plan the project's users against it."""
    managed = users.managed
    usernames = [u.username for u in users.users]
    state = read_org_state(clients.rest, usernames=usernames, managed=managed)
    return plan_users(
        users.users,
        state,
        org=clients.name,
        prune=prune,
        managed=managed,
        session_username=clients.username,
    )


def doctor_for(users: UsersProject | None, clients: OrgClients) -> DoctorReport:
    """Run the doctor on the org, with the project's components and users when there is one."""
    if users is None:
        return run_doctor(clients.rest, org=clients.name)
    names = {u.profile for u in users.users}
    return run_doctor(
        clients.rest,
        org=clients.name,
        users=users.users,
        bundle=users.bundle,
        org_components=read_org_components(clients.metadata, users.bundle, names),
    )


def read_org_components(
    metadata: MetadataClient, bundle: Bundle, profiles: Iterable[str] = ()
) -> OrgComponents | None:
    """Read the project's components (and the users' profiles) from the org; None if it can't."""
    wanted: dict[Kind, set[str]] = {}
    for component in bundle.components:
        wanted.setdefault(component.kind, set()).add(component.name)
    wanted.setdefault(Kind.PROFILE, set()).update(profiles)
    found: OrgComponents = {}
    try:
        for kind, names in sorted(wanted.items()):
            for name in names:
                found[(kind, name)] = None
            ordered = sorted(names)
            for start in range(0, len(ordered), READ_METADATA_LIMIT):
                batch = ordered[start : start + READ_METADATA_LIMIT]
                for _type, xml in metadata.read_metadata(kind.value, batch):
                    component = parse_component_bytes(xml, name="", source="readMetadata")
                    found[(kind, component.name)] = component
    except ApionlyError:
        return None
    return found


def apply_users(
    users: UsersProject, clients: OrgClients, *, prune: bool = False
) -> tuple[Plan, ApplyResult]:
    """Plan, refuse on problems, apply; return both so the caller can report."""
    plan = plan_for(users, clients, prune=prune)
    require_applicable(plan)
    return plan, apply_plan(clients.rest, plan)


def apply_users_after_deploy(
    connection: Connection, project_dir: Path, *, prune: bool = False
) -> tuple[Plan, ApplyResult]:
    """The ``deploy start --with-users`` hook: apply users on the deploy's own session."""
    users = load_users_project(project_dir, org=connection.name)
    rest = rest_client_for(connection)
    clients = OrgClients(connection.name, rest, connection.client(), session_username(rest))
    return apply_users(users, clients, prune=prune)
