"""What an org holds that user provisioning depends on, read over the REST API in a few queries.

Only plain SOQL (no relationship fields, no aggregates): every query works on any org and on
the local org emulator. Names are joined to ids here, so planning stays pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apionly_deploy.salesforce.rest_api import Record, RestClient, soql_in, soql_select
from apionly_deploy.users.records import query

USER_FIELDS = (
    "Id",
    "Username",
    "FirstName",
    "LastName",
    "Email",
    "Alias",
    "ProfileId",
    "IsActive",
    "TimeZoneSidKey",
    "LocaleSidKey",
    "LanguageLocaleKey",
    "EmailEncodingKey",
    "FederationIdentifier",
)
_IN_CHUNK = 100  # values per IN (...) clause; keeps the SOQL well under its length limit


@dataclass(frozen=True, slots=True)
class Managed:
    """The project's own access: who holds it is an integration user of this project."""

    profiles: frozenset[str] = frozenset()
    permission_sets: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    #: (group, its permission sets) for the project's groups, to check licenses before writing.
    group_members: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def members(self, group: str) -> tuple[str, ...]:
        """Return the permission sets of one of the project's groups (empty when unknown)."""
        return next((sets for name, sets in self.group_members if name == group), ())


@dataclass(frozen=True, slots=True)
class Seats:
    """A user license or permission set license and its seats."""

    id: str
    name: str
    total: int
    used: int
    label: str | None = None
    status: str | None = None

    @property
    def free(self) -> int:
        """Return the seats not in use."""
        return max(self.total - self.used, 0)


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    name: str
    license_id: str | None
    api_only: bool


@dataclass(frozen=True, slots=True)
class PermissionSet:
    """A PermissionSet record: a real set, a group's aggregate, or a profile's own."""

    id: str
    name: str
    license_id: str | None
    api_only: bool
    profile_id: str | None = None
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    status: str | None


@dataclass(frozen=True, slots=True)
class OrgUser:
    id: str
    username: str
    profile_id: str | None
    active: bool
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A PermissionSetAssignment (set or group) or PermissionSetLicenseAssign record."""

    id: str
    assignee_id: str
    target_id: str  # PermissionSetId, PermissionSetGroupId or PermissionSetLicenseId


@dataclass(frozen=True, slots=True)
class OrgState:
    """A snapshot of the org, enough to plan users and to run the doctor's user checks."""

    user_licenses: tuple[Seats, ...] = ()
    psls: tuple[Seats, ...] = ()
    profiles: tuple[Profile, ...] = ()
    permission_sets: tuple[PermissionSet, ...] = ()
    groups: tuple[Group, ...] = ()
    users: tuple[OrgUser, ...] = ()
    set_assignments: tuple[Assignment, ...] = ()
    group_assignments: tuple[Assignment, ...] = ()
    psl_assignments: tuple[Assignment, ...] = ()

    def user(self, username: str) -> OrgUser | None:
        """Return the user called ``username`` (case-insensitive)."""
        wanted = username.lower()
        return next((u for u in self.users if u.username.lower() == wanted), None)

    def profile_named(self, name: str) -> Profile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def profile_by_id(self, profile_id: str | None) -> Profile | None:
        return next((p for p in self.profiles if _same(p.id, profile_id)), None)

    def set_named(self, name: str) -> PermissionSet | None:
        """Return the regular (not profile-owned, not group) permission set ``name``."""
        return next((s for s in self.regular_sets() if s.name == name), None)

    def regular_sets(self) -> tuple[PermissionSet, ...]:
        return tuple(s for s in self.permission_sets if not s.profile_id and not s.group_id)

    def group_named(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def psl_named(self, name: str) -> Seats | None:
        lowered = name.lower()
        return next(
            (p for p in self.psls if lowered in (p.name.lower(), (p.label or "").lower())), None
        )

    def license_by_id(self, license_id: str | None) -> Seats | None:
        return next((s for s in (*self.user_licenses, *self.psls) if _same(s.id, license_id)), None)

    def of_user(self, kind: str, user_id: str) -> tuple[Assignment, ...]:
        """Return the ``sets`` / ``groups`` / ``psls`` assignments of one user."""
        pool = {
            "sets": self.set_assignments,
            "groups": self.group_assignments,
            "psls": self.psl_assignments,
        }[kind]
        return tuple(a for a in pool if _same(a.assignee_id, user_id))


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and str(a)[:15] == str(b)[:15]


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _seats(record: Record, name_field: str) -> Seats:
    return Seats(
        id=str(record["Id"]),
        name=str(record.get(name_field) or ""),
        total=int(record.get("TotalLicenses") or 0),
        used=int(record.get("UsedLicenses") or 0),
        label=record.get("MasterLabel"),
        status=record.get("Status"),
    )


def read_org_state(
    client: RestClient, *, usernames: Sequence[str], managed: Managed | None = None
) -> OrgState:
    """Read licenses, profiles, sets, groups, the named users and the holders of ``managed``.

    ``managed`` names the project's own profiles, sets and groups: users holding them without
    being declared are read too, so ``--prune`` can see them.
    """

    def q(soql: str) -> list[Record]:
        return query(client, soql)

    user_licenses = q("SELECT Id, Name, TotalLicenses, UsedLicenses, Status FROM UserLicense")
    psls = q(
        "SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses, Status "
        "FROM PermissionSetLicense"
    )
    profiles = q("SELECT Id, Name, UserLicenseId FROM Profile")
    sets = q(
        "SELECT Id, Name, LicenseId, IsOwnedByProfile, ProfileId, PermissionSetGroupId, "
        "PermissionsApiUserOnly FROM PermissionSet"
    )
    groups = q("SELECT Id, DeveloperName, Status FROM PermissionSetGroup")
    permission_sets = tuple(_permission_set(r) for r in sets)
    profile_api_only = {s.profile_id[:15] for s in permission_sets if s.profile_id and s.api_only}
    groups_found = tuple(
        Group(str(r["Id"]), str(r["DeveloperName"]), r.get("Status")) for r in groups
    )
    held_by = _managed_ids(managed, permission_sets, groups_found, profiles)
    users = _users(client, usernames, *held_by)
    user_ids = [u.id for u in users]
    set_rows, psl_rows = _assignments(client, user_ids)
    owned = {s.id[:15] for s in permission_sets if s.profile_id}
    set_rows = [r for r in set_rows if str(r["PermissionSetId"])[:15] not in owned]
    return OrgState(
        user_licenses=tuple(_seats(r, "Name") for r in user_licenses),
        psls=tuple(_seats(r, "DeveloperName") for r in psls),
        profiles=tuple(
            Profile(
                str(r["Id"]),
                str(r["Name"]),
                r.get("UserLicenseId"),
                str(r["Id"])[:15] in profile_api_only,
            )
            for r in profiles
        ),
        permission_sets=permission_sets,
        groups=groups_found,
        users=users,
        set_assignments=tuple(
            Assignment(str(r["Id"]), str(r["AssigneeId"]), str(r["PermissionSetId"]))
            for r in set_rows
            if not r.get("PermissionSetGroupId")
        ),
        group_assignments=tuple(
            Assignment(str(r["Id"]), str(r["AssigneeId"]), str(r["PermissionSetGroupId"]))
            for r in set_rows
            if r.get("PermissionSetGroupId")
        ),
        psl_assignments=tuple(
            Assignment(str(r["Id"]), str(r["AssigneeId"]), str(r["PermissionSetLicenseId"]))
            for r in psl_rows
        ),
    )


def _permission_set(r: Record) -> PermissionSet:
    return PermissionSet(
        id=str(r["Id"]),
        name=str(r.get("Name") or ""),
        license_id=r.get("LicenseId"),
        api_only=bool(r.get("PermissionsApiUserOnly")),
        profile_id=r.get("ProfileId") if r.get("IsOwnedByProfile") else None,
        group_id=r.get("PermissionSetGroupId"),
    )


def _managed_ids(
    managed: Managed | None,
    sets: Sequence[PermissionSet],
    groups: Sequence[Group],
    profiles: Sequence[Record],
) -> tuple[list[str], list[str]]:
    """Return the PermissionSet ids (sets and group aggregates) and profile ids the project owns."""
    if managed is None:
        return [], []
    group_ids = {g.id[:15] for g in groups if g.name in managed.groups}
    set_ids = [
        s.id
        for s in sets
        if (not s.profile_id and not s.group_id and s.name in managed.permission_sets)
        or (s.group_id and s.group_id[:15] in group_ids)
    ]
    profile_ids = [str(p["Id"]) for p in profiles if p.get("Name") in managed.profiles]
    return set_ids, profile_ids


def _users(
    client: RestClient,
    usernames: Sequence[str],
    managed_set_ids: Sequence[str],
    managed_profile_ids: Sequence[str],
) -> tuple[OrgUser, ...]:
    rows: dict[str, Record] = {}

    def read(field: str, values: Sequence[str]) -> None:
        for chunk in _chunks(sorted(set(values))):
            soql = soql_select("User", USER_FIELDS, f"{field} IN {soql_in(chunk)}")
            rows.update((str(row["Id"]), row) for row in query(client, soql))

    read("Username", usernames)
    holders: set[str] = set()
    for chunk in _chunks(sorted(set(managed_set_ids))):
        where = f"PermissionSetId IN {soql_in(chunk)}"
        found = query(client, soql_select("PermissionSetAssignment", ["AssigneeId"], where))
        holders.update(str(r["AssigneeId"]) for r in found)
    read("ProfileId", managed_profile_ids)
    read("Id", [h for h in holders if h not in rows])
    return tuple(
        OrgUser(
            str(r["Id"]),
            str(r["Username"]),
            r.get("ProfileId"),
            bool(r.get("IsActive")),
            {k: r.get(k) for k in USER_FIELDS},
        )
        for r in sorted(rows.values(), key=lambda r: str(r["Username"]).lower())
    )


def _assignments(client: RestClient, user_ids: Sequence[str]) -> tuple[list[Record], list[Record]]:
    sets: list[Record] = []
    psls: list[Record] = []
    for chunk in _chunks(sorted(user_ids)):
        where = f"AssigneeId IN {soql_in(chunk)}"
        fields = ["Id", "AssigneeId", "PermissionSetId", "PermissionSetGroupId"]
        sets += query(client, soql_select("PermissionSetAssignment", fields, where))
        fields = ["Id", "AssigneeId", "PermissionSetLicenseId"]
        psls += query(client, soql_select("PermissionSetLicenseAssign", fields, where))
    return sets, psls
