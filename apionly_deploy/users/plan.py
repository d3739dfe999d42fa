"""Desired users vs the org -> a plan of steps (create, update, assign, unassign, deactivate).

Planning is pure: ``plan_users(desired, state, ...)`` reads an OrgState and never writes. Every
problem that would make a write fail for a reason we can know in advance (a missing profile or
permission set, a license without free seats, a permission set whose license the user lacks)
is found here, so ``apply`` refuses before the first write. Users are never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from apionly_deploy.project.config import did_you_mean
from apionly_deploy.users.checks import check_set_license, is_api_only, missing, seat_problems
from apionly_deploy.users.config import DesiredUser
from apionly_deploy.users.state import Assignment, Managed, OrgState, OrgUser
from apionly_deploy.users.steps import (
    PHASE_OF,
    FieldChange,
    Phase,
    Plan,
    Step,
    StepKind,
    UserAction,
    UserPlan,
)

__all__ = [
    "PHASE_OF",
    "FieldChange",
    "Managed",
    "Phase",
    "Plan",
    "Step",
    "StepKind",
    "UserAction",
    "UserPlan",
    "is_api_only",
    "plan_users",
]


def plan_users(
    desired: Sequence[DesiredUser],
    state: OrgState,
    *,
    org: str,
    prune: bool = False,
    managed: Managed | None = None,
    session_username: str | None = None,
) -> Plan:
    """Return the plan that makes ``state`` hold ``desired`` (and, with ``prune``, no others)."""
    problems: list[str] = []
    managed = managed or Managed()
    plans = [_plan_user(user, state, managed, problems) for user in desired]
    declared = {u.username.lower() for u in desired}
    extra = [
        u
        for u in _holders(state, managed)
        if u.username.lower() not in declared
        and u.active
        and u.username.lower() != (session_username or "").lower()
    ]
    for user in extra:
        if prune:
            step = Step(
                StepKind.DEACTIVATE,
                user.username,
                user_id=user.id,
                fields=(FieldChange("IsActive", True, False),),
            )
            plans.append(
                UserPlan(
                    user.username,
                    UserAction.DEACTIVATE,
                    (step,),
                    ("not in the project file; --prune deactivates it",),
                )
            )
        else:
            note = "not in the project file but holds its access; `--prune` would deactivate it"
            plans.append(UserPlan(user.username, UserAction.NO_OP, (), (note,)))
    problems += seat_problems(plans, state)
    return Plan(org, tuple(plans), tuple(dict.fromkeys(problems)), prune)


def _holders(state: OrgState, managed: Managed) -> list[OrgUser]:
    """Return API-only users on the project's profiles or holding its sets or groups."""
    profile_ids = {p.id for p in state.profiles if p.name in managed.profiles}
    set_ids = {s.id for s in state.regular_sets() if s.name in managed.permission_sets}
    group_ids = {g.id for g in state.groups if g.name in managed.groups}
    found = []
    for user in state.users:
        held = {a.target_id for a in state.of_user("sets", user.id)}
        groups = {a.target_id for a in state.of_user("groups", user.id)}
        if (user.profile_id in profile_ids or held & set_ids or groups & group_ids) and (
            is_api_only(state, user)
        ):
            found.append(user)
    return found


def _plan_user(
    user: DesiredUser, state: OrgState, managed: Managed, problems: list[str]
) -> UserPlan:
    before = len(problems)
    profile = state.profile_named(user.profile)
    if profile is None:
        known = [p.name for p in state.profiles]
        problems.append(
            f"{user.username}: profile {user.profile!r} is not in the org"
            f"{did_you_mean(user.profile, known)}; deploy the project first or fix "
            "the name (profiles are named as in Setup)"
        )
    elif user.user_license:
        lic = state.license_by_id(profile.license_id)
        if lic is None or lic.name != user.user_license:
            problems.append(
                f"{user.username}: profile {user.profile!r} is on the "
                f"{lic.name if lic else 'unknown'!r} user license, not "
                f"{user.user_license!r}; fix user_license or the profile"
            )
    existing = state.user(user.username)
    steps: list[Step] = []
    if existing is None:
        fields = {**user.create_fields(), "ProfileId": user.profile}
        steps.append(
            Step(
                StepKind.CREATE,
                user.username,
                target=user.profile,
                target_id=profile.id if profile else None,
                fields=tuple(FieldChange(k, None, v) for k, v in fields.items()),
            )
        )
    else:
        changes = _field_changes(user, existing, state, profile.id if profile else None)
        if changes:
            steps.append(
                Step(
                    StepKind.UPDATE,
                    user.username,
                    user_id=existing.id,
                    target_id=profile.id if profile else None,
                    fields=changes,
                )
            )
    notes: list[str] = []
    if user.active:
        steps += _assignment_steps(user, existing, state, managed, problems)
    else:
        notes.append("declared inactive: its assignments are left as they are")
    if len(problems) > before:
        notes.append("cannot be applied: see the problems")
    action = (
        UserAction.CREATE if existing is None else UserAction.UPDATE if steps else UserAction.NO_OP
    )
    return UserPlan(user.username, action, tuple(steps), tuple(notes))


def _field_changes(
    user: DesiredUser, existing: OrgUser, state: OrgState, profile_id: str | None
) -> tuple[FieldChange, ...]:
    changes = []
    for key, want in user.managed_fields().items():
        have = existing.fields.get(key)
        if key == "IsActive":
            have = existing.active
        same = (str(have or "").lower() == str(want).lower()) if key == "Email" else have == want
        if not same:
            changes.append(FieldChange(key, have, want))
    if profile_id and existing.profile_id and existing.profile_id[:15] != profile_id[:15]:
        old = state.profile_by_id(existing.profile_id)
        changes.append(
            FieldChange("ProfileId", old.name if old else existing.profile_id, user.profile)
        )
    return tuple(changes)


def _assignment_steps(
    user: DesiredUser,
    existing: OrgUser | None,
    state: OrgState,
    managed: Managed,
    problems: list[str],
) -> list[Step]:
    uid = existing.id if existing else None
    held = {k: state.of_user(k, uid) if uid else () for k in ("sets", "groups", "psls")}
    steps: list[Step] = []
    psls: set[str] = set()

    def assign(kind: StepKind, name: str, target_id: str, pool: str) -> None:
        if not any(a.target_id[:15] == target_id[:15] for a in held[pool]):
            steps.append(Step(kind, user.username, name, uid, target_id=target_id))

    for name in user.permission_set_licenses:
        psl = state.psl_named(name)
        if psl is None:
            problems.append(missing(user, "permission set license", name, state.psls))
            continue
        psls.add(psl.id[:15])
        assign(StepKind.ASSIGN_PSL, psl.name, psl.id, "psls")
    for name in user.permission_sets:
        found = state.set_named(name)
        if found is None:
            problems.append(missing(user, "permission set", name, state.regular_sets()))
            continue
        check_set_license(user, found.license_id, name, psls, state, problems)
        assign(StepKind.ASSIGN_SET, name, found.id, "sets")
    for name in user.permission_set_groups:
        group = state.group_named(name)
        if group is None:
            problems.append(missing(user, "permission set group", name, state.groups))
            continue
        for member in filter(None, map(state.set_named, managed.members(name))):
            check_set_license(user, member.license_id, name, psls, state, problems)
        assign(StepKind.ASSIGN_GROUP, name, group.id, "groups")
    steps += _unassign_steps(user, held, state)
    return steps


def _unassign_steps(
    user: DesiredUser, held: Mapping[str, Sequence[Assignment]], state: OrgState
) -> Iterable[Step]:
    by_id = {s.id[:15]: s.name for s in state.permission_sets}
    groups = {g.id[:15]: g.name for g in state.groups}
    psls = {p.id[:15]: p.name for p in state.psls}
    for kind, names, wanted, step in (
        ("sets", by_id, user.permission_sets, StepKind.UNASSIGN_SET),
        ("groups", groups, user.permission_set_groups, StepKind.UNASSIGN_GROUP),
        ("psls", psls, user.permission_set_licenses, StepKind.UNASSIGN_PSL),
    ):
        for a in held[kind]:
            name = names.get(a.target_id[:15], a.target_id)
            label = state.license_by_id(a.target_id) if kind == "psls" else None
            if name not in wanted and not (label and label.label in wanted):
                yield Step(
                    step, user.username, name, a.assignee_id, record_id=a.id, target_id=a.target_id
                )
