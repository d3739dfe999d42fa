"""Who a change reaches: for each Permission Set, Muting Permission Set, Group and Profile, the
declared users ([users]) and the groups that get what it grants, for review."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from apionly_deploy.model.components import Component, Kind, PermissionSetGroup


@dataclass(frozen=True, slots=True)
class Assignment:
    """What one declared user is given: a profile, permission sets and groups."""

    user: str
    profile: str | None = None
    permission_sets: tuple[str, ...] = ()
    permission_set_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Audience:
    """The declared users and the groups a component's changes reach."""

    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


def _groups_holding(components: Iterable[Component]) -> dict[str, set[str]]:
    """Return ``{set name: {group names}}`` for permission and muting sets in groups."""
    holding: dict[str, set[str]] = {}
    for c in components:
        if isinstance(c, PermissionSetGroup):
            for member in (*c.permission_sets, *c.muting_permission_sets):
                holding.setdefault(member, set()).add(c.name)
    return holding


def _users_of(
    kind: Kind, name: str, groups: set[str], assignments: Iterable[Assignment]
) -> list[str]:
    users = []
    for a in assignments:
        if kind is Kind.PROFILE:
            reached = a.profile == name
        elif kind is Kind.PERMISSION_SET_GROUP:
            reached = name in a.permission_set_groups
        else:
            reached = name in a.permission_sets or bool(groups & set(a.permission_set_groups))
        if reached:
            users.append(a.user)
    return sorted(users)


def audiences(
    keys: Iterable[tuple[Kind, str]],
    components: Iterable[Component],
    assignments: Iterable[Assignment] = (),
) -> Mapping[tuple[Kind, str], Audience]:
    """Return the audience of each ``(kind, name)`` in ``keys``, from the groups among
    ``components`` and the declared users' ``assignments``."""
    holding = _groups_holding(components)
    people = tuple(assignments)
    found: dict[tuple[Kind, str], Audience] = {}
    for kind, name in keys:
        groups = (
            holding.get(name, set())
            if kind not in (Kind.PROFILE, Kind.PERMISSION_SET_GROUP)
            else set()
        )
        users = _users_of(kind, name, groups, people)
        if users or groups:
            found[(kind, name)] = Audience(tuple(users), tuple(sorted(groups)))
    return found
