"""What this org supports for API-only users, and whether the project's users are right.

Each check is one line with a status (ok / warning / problem), details and a fix. The checks
read the org over REST (and the Metadata API for profile contents); nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from apionly_deploy.check import knowledge
from apionly_deploy.errors import ApionlyError
from apionly_deploy.model.components import Bundle, Component, Kind, PermissionContainer
from apionly_deploy.salesforce.rest_api import RestClient
from apionly_deploy.users.config import DesiredUser
from apionly_deploy.users.plan import is_api_only
from apionly_deploy.users.records import query
from apionly_deploy.users.state import OrgState, Profile, read_org_state

API_ONLY_FIELD = "PermissionsApiUserOnly"


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"

    @property
    def rank(self) -> int:
        return {"ok": 0, "warning": 1, "problem": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Check:
    """One answer: what was checked, how it stands, the evidence, and what to do."""

    id: str
    status: Status
    title: str
    details: tuple[str, ...] = ()
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class DoctorReport:
    org: str
    checks: tuple[Check, ...]

    @property
    def status(self) -> Status:
        """Return the worst status of all checks."""
        return max((c.status for c in self.checks), key=lambda s: s.rank, default=Status.OK)


#: Reads a component from the org: (kind, name) -> component or None (absent); may raise.
OrgComponents = dict[tuple[Kind, str], Component | None]


def run_doctor(
    client: RestClient,
    *,
    org: str,
    users: Sequence[DesiredUser] = (),
    bundle: Bundle | None = None,
    org_components: OrgComponents | None = None,
) -> DoctorReport:
    """Run every check; ``org_components`` (from a retrieve) lets the sync check compare content."""
    access = check_api_access(client)
    if access.status is Status.PROBLEM:
        return DoctorReport(org, (access,))
    state = read_org_state(client, usernames=[u.username for u in users])
    checks = [
        access,
        check_api_only_permission(client),
        check_user_licenses(state, users),
        check_integration_license(state),
    ]
    if bundle is not None:
        checks.append(check_components(state, bundle, org_components))
    if users:
        checks.append(check_users(state, users))
        checks.append(check_login_ip_ranges(state, users, bundle, org_components))
    return DoctorReport(org, tuple(checks))


def check_api_access(client: RestClient) -> Check:
    """Can this session use the API at all (edition, API Enabled)?"""
    try:
        versions = client.versions()
        rows = query(client, "SELECT Id, Name, OrganizationType, IsSandbox FROM Organization")
    except ApionlyError as exc:
        code = getattr(exc, "code", "")
        fix = (
            "this edition has no API access (Professional Edition needs the API add-on; "
            "Essentials has none): use Enterprise, Unlimited, Performance or Developer Edition"
            if code == "API_DISABLED_FOR_ORG"
            else "give the integration's user the API Enabled permission and check the login"
        )
        return Check("api_access", Status.PROBLEM, "API access is not available", (str(exc),), fix)
    org = rows[0] if rows else {}
    edition = org.get("OrganizationType") or "unknown edition"
    newest = versions[-1].get("version") if versions else "?"
    kind = "sandbox" if org.get("IsSandbox") else "production"
    return Check(
        "api_access",
        Status.OK,
        f"API access available: {org.get('Name', 'org')} ({edition}, {kind}), API up to v{newest}",
    )


def check_api_only_permission(client: RestClient) -> Check:
    """Does PermissionSet describe carry PermissionsApiUserOnly?"""
    fields = {f.get("name") for f in client.describe("PermissionSet").get("fields", [])}
    if API_ONLY_FIELD in fields:
        return Check(
            "api_only_permission",
            Status.OK,
            "API Only User is offered (PermissionSet has PermissionsApiUserOnly)",
        )
    return Check(
        "api_only_permission",
        Status.PROBLEM,
        "API Only User is not offered in this org (PermissionSet has no PermissionsApiUserOnly)",
        fix="ask Salesforce support to enable the 'API Only User' permission, or use the "
        "Salesforce Integration license, which is API-only by design",
    )


def check_user_licenses(state: OrgState, users: Sequence[DesiredUser]) -> Check:
    """Which user licenses exist, their seats, and which allow API Only User."""
    details = []
    for lic in sorted(state.user_licenses, key=lambda s: s.name.lower()):
        allows = knowledge.license_allows_api_only(lic.name)
        word = {True: "yes", False: "no", None: "unknown"}[allows]
        details.append(f"{lic.name}: {lic.used}/{lic.total} used, API Only User: {word}")
    needed = {state.license_by_id(p.license_id) for p in _profiles_of(state, users)}
    full = sorted(s.name for s in needed if s is not None and s.free == 0)
    if full:
        return Check(
            "user_licenses",
            Status.WARNING,
            f"no free seats on license(s) the project's users need: {', '.join(full)}",
            tuple(details),
            "deactivate unused users or buy more seats",
        )
    return Check("user_licenses", Status.OK, f"{len(details)} user licenses", tuple(details))


def _profiles_of(state: OrgState, users: Sequence[DesiredUser]) -> list[Profile]:
    return [p for p in (state.profile_named(u.profile) for u in users) if p is not None]


def check_integration_license(state: OrgState) -> Check:
    """Is the Salesforce Integration license there, and under which profile name?"""
    name = knowledge.integration_user_license()
    lic = next((s for s in state.user_licenses if s.name == name), None)
    if lic is None:
        return Check(
            "integration_license",
            Status.WARNING,
            f"no {name} license in this org",
            fix="Enterprise, Unlimited, Performance and Developer Edition orgs get a few "
            "free; ask your account executive, or use a Salesforce license with a custom "
            "API-only profile",
        )
    psl = state.psl_named(knowledge.integration_permission_set_license())
    seats = f"{lic.used}/{lic.total} used"
    psl_text = f"{psl.name} {psl.used}/{psl.total} used" if psl else "no API integration PSL"
    profiles = [n for n in knowledge.integration_profile_names() if state.profile_named(n)]
    if not profiles:
        return Check(
            "integration_license",
            Status.WARNING,
            f"{name} license ({seats}) but none of its profiles is in the org",
            (psl_text,),
            "check Setup > Profiles for the license's profile",
        )
    legacy = set(knowledge.legacy_integration_profile_names())
    if profiles[0] in legacy:
        return Check(
            "integration_license",
            Status.WARNING,
            f"{name} license ({seats}) under the legacy profile {profiles[0]!r}",
            (psl_text,),
            f"use profile = {profiles[0]!r} in the project file for this "
            "org (newer orgs call it 'Minimum Access - API Only Integrations')",
        )
    return Check(
        "integration_license",
        Status.OK,
        f"{name} license ({seats}) with profile {profiles[0]!r}",
        (psl_text,),
    )


def check_components(
    state: OrgState, bundle: Bundle, org_components: OrgComponents | None
) -> Check:
    """Are the project's profiles, permission sets and groups in the org, and in sync?"""
    from apionly_deploy.review.diff import diff_components

    missing, drift, details = [], [], []
    for component in bundle.components:
        label = f"{component.kind.value} {component.name}"
        if not _present(state, component):
            missing.append(label)
            continue
        if org_components is None or (component.kind, component.name) not in org_components:
            details.append(f"{label}: present (content not compared)")
            continue
        changes = diff_components(org_components[(component.kind, component.name)], component)
        if changes:
            drift.append(label)
            details.append(f"{label}: {len(changes)} difference(s) from the project")
        else:
            details.append(f"{label}: in sync")
    details = [f"{m}: not in the org" for m in missing] + details
    if missing or drift:
        status = Status.PROBLEM if missing else Status.WARNING
        title = f"{len(missing)} missing, {len(drift)} out of sync of {len(bundle.components)}"
        return Check(
            "project_components",
            status,
            title,
            tuple(details),
            "deploy the project: apionly-deploy deploy start -o ORG",
        )
    compared = "" if org_components is not None else " (presence only: no retrieve)"
    return Check(
        "project_components",
        Status.OK,
        f"all {len(bundle.components)} project components present{compared}",
        tuple(details),
    )


def _present(state: OrgState, component: Component) -> bool:
    if component.kind is Kind.PROFILE:
        return state.profile_named(component.name) is not None
    if component.kind is Kind.PERMISSION_SET_GROUP:
        return state.group_named(component.name) is not None
    return state.set_named(component.name) is not None


def check_users(state: OrgState, users: Sequence[DesiredUser]) -> Check:
    """Does each declared user exist, is it active (as declared), is it really API-only?"""
    details, bad = [], 0
    for user in users:
        found = state.user(user.username)
        if found is None:
            line, ok = f"{user.username}: not in the org", False
        elif found.active != user.active:
            line, ok = (
                f"{user.username}: {'in' if not found.active else ''}active, declared "
                f"{'active' if user.active else 'inactive'}",
                False,
            )
        elif not is_api_only(state, found):
            line, ok = f"{user.username}: NOT API-only (neither profile nor sets grant it)", False
        else:
            line, ok = (
                f"{user.username}: exists, {'active' if found.active else 'inactive'}, API-only",
                True,
            )
        details.append(line)
        bad += not ok
    if bad:
        return Check(
            "users",
            Status.PROBLEM,
            f"{bad} of {len(users)} declared users not right",
            tuple(details),
            "apionly-deploy users apply -o ORG (after a deploy); for a user that is not "
            "API-only, give it a profile or permission set with api_only = true",
        )
    return Check("users", Status.OK, f"all {len(users)} declared users are right", tuple(details))


def check_login_ip_ranges(
    state: OrgState,
    users: Sequence[DesiredUser],
    bundle: Bundle | None,
    org_components: OrgComponents | None,
) -> Check:
    """Do the project's API-only users' profiles restrict logins to IP ranges?"""
    details, open_users = [], 0
    for user in users:
        found = state.user(user.username)
        profile = state.profile_named(user.profile)
        api_only = is_api_only(state, found) if found else bool(profile and profile.api_only)
        if not api_only:
            continue
        ranges = _ranges(user.profile, bundle, org_components)
        if ranges is None:
            details.append(f"{user.username}: profile {user.profile!r}: ranges unknown")
            continue
        details.append(f"{user.username}: profile {user.profile!r}: {ranges} range(s)")
        open_users += ranges == 0
    if open_users:
        return Check(
            "login_ip_ranges",
            Status.WARNING,
            f"{open_users} API-only user(s) can log in from any IP address",
            tuple(details),
            "add login_ip_ranges to the user's profile in the project "
            "file (the integration's egress addresses), then deploy",
        )
    return Check(
        "login_ip_ranges", Status.OK, "API-only users' logins are IP-restricted", tuple(details)
    )


def _ranges(profile: str, bundle: Bundle | None, org: OrgComponents | None) -> int | None:
    """Return how many login IP ranges ``profile`` has: the org's copy first, then the file."""
    found = (org or {}).get((Kind.PROFILE, profile))
    if found is None and bundle is not None:
        found = next((c for c in bundle.of_kind(Kind.PROFILE) if c.name == profile), None)
    if isinstance(found, PermissionContainer):
        return len(found.login_ip_ranges)
    return None if org is None or (Kind.PROFILE, profile) not in org else 0
