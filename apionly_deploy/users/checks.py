"""Checks a plan runs before any write: names the org lacks, licenses, free seats, API-only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from apionly_deploy.project.config import did_you_mean
from apionly_deploy.users.config import DesiredUser
from apionly_deploy.users.state import OrgState, OrgUser
from apionly_deploy.users.steps import Step, StepKind, UserPlan


def is_api_only(state: OrgState, user: OrgUser) -> bool:
    """Return True when the user's profile or any assigned set or group grants API Only User."""
    profile = state.profile_by_id(user.profile_id)
    if profile is not None and profile.api_only:
        return True
    held = {a.target_id[:15] for a in state.of_user("sets", user.id)}
    groups = {a.target_id[:15] for a in state.of_user("groups", user.id)}
    return any(
        s.api_only and (s.id[:15] in held or (s.group_id or "")[:15] in groups)
        for s in state.permission_sets
    )


def missing(user: DesiredUser, what: str, name: str, known: Iterable[Any]) -> str:
    names = [k.name for k in known]
    return (
        f"{user.username}: {what} {name!r} is not in the org{did_you_mean(name, names)}; "
        "deploy the project first or fix the name"
    )


def check_set_license(
    user: DesiredUser,
    license_id: str | None,
    name: str,
    psls: set[str],
    state: OrgState,
    problems: list[str],
) -> None:
    """A set tied to a permission set license needs that license on the user first."""
    lic = state.license_by_id(license_id)
    if lic is None or lic not in state.psls or lic.id[:15] in psls:
        return
    problems.append(
        f"{user.username}: {name!r} needs the permission set license {lic.name!r}; "
        f'add it: permission_set_licenses = ["{lic.name}"]'
    )


def seat_problems(plans: Sequence[UserPlan], state: OrgState) -> list[str]:
    """Return a problem per license the plan needs more free seats of than the org has."""
    need: Counter[str] = Counter()
    for plan in plans:
        for step in plan.steps:
            if step.kind is StepKind.ASSIGN_PSL and step.target_id:
                need[step.target_id[:15]] += 1
            if step.kind is StepKind.CREATE and _field(step, "IsActive") and step.target_id:
                need[_license_of(state, step.target_id)] += 1
            if step.kind is StepKind.UPDATE and _field(step, "IsActive") is True and step.target_id:
                need[_license_of(state, step.target_id)] += 1
    problems = []
    for license_key, count in need.items():
        seats = state.license_by_id(license_key)
        if seats is not None and count > seats.free:
            problems.append(
                f"license {seats.name!r} has {seats.free} free seat(s) of {seats.total} and this "
                f"plan needs {count}; free seats (deactivate users) or buy more"
            )
    return sorted(problems)


def _license_of(state: OrgState, profile_id: str) -> str:
    profile = state.profile_by_id(profile_id)
    return (profile.license_id or "")[:15] if profile else ""


def _field(step: Step, name: str) -> Any:
    return next((f.after for f in step.fields if f.field == name), None)
