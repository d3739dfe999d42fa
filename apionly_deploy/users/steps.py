"""The vocabulary of a users plan: steps, their apply order, and the plan itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any


class StepKind(StrEnum):
    """What one step does."""

    CREATE = "create"
    UPDATE = "update"
    UNASSIGN_GROUP = "unassign_permission_set_group"
    UNASSIGN_SET = "unassign_permission_set"
    UNASSIGN_PSL = "unassign_permission_set_license"
    ASSIGN_PSL = "assign_permission_set_license"
    ASSIGN_SET = "assign_permission_set"
    ASSIGN_GROUP = "assign_permission_set_group"
    DEACTIVATE = "deactivate"


class Phase(IntEnum):
    """Apply order. Creates first (all or none, so a taken username writes nothing), licenses
    before the permission sets that need them, unassigns before assigns to free seats, prune last.
    """

    CREATE = 0
    UPDATE = 1
    UNASSIGN = 2
    UNASSIGN_PSL = 3
    ASSIGN_PSL = 4
    ASSIGN_SET = 5
    ASSIGN_GROUP = 6
    PRUNE = 7


PHASE_OF = {
    StepKind.CREATE: Phase.CREATE,
    StepKind.UPDATE: Phase.UPDATE,
    StepKind.UNASSIGN_GROUP: Phase.UNASSIGN,
    StepKind.UNASSIGN_SET: Phase.UNASSIGN,
    StepKind.UNASSIGN_PSL: Phase.UNASSIGN_PSL,
    StepKind.ASSIGN_PSL: Phase.ASSIGN_PSL,
    StepKind.ASSIGN_SET: Phase.ASSIGN_SET,
    StepKind.ASSIGN_GROUP: Phase.ASSIGN_GROUP,
    StepKind.DEACTIVATE: Phase.PRUNE,
}


class UserAction(StrEnum):
    """The headline for one user."""

    CREATE = "create"
    UPDATE = "update"
    NO_OP = "no-op"
    DEACTIVATE = "deactivate"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Step:
    """One write. ``user_id`` is None for a user the plan creates; ``record_id`` is the
    assignment an unassign deletes; ``target_id`` the set, group or license to assign."""

    kind: StepKind
    username: str
    target: str | None = None
    user_id: str | None = None
    record_id: str | None = None
    target_id: str | None = None
    fields: tuple[FieldChange, ...] = ()

    @property
    def phase(self) -> Phase:
        return PHASE_OF[self.kind]


@dataclass(frozen=True, slots=True)
class UserPlan:
    username: str
    action: UserAction
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything ``apply`` would do to one org, and what stops it."""

    org: str
    users: tuple[UserPlan, ...]
    problems: tuple[str, ...] = ()
    prune: bool = False

    @property
    def steps(self) -> tuple[Step, ...]:
        """Return every step in apply order."""
        steps = [s for u in self.users for s in u.steps]
        return tuple(sorted(steps, key=lambda s: s.phase))

    def count(self, action: UserAction) -> int:
        return sum(1 for u in self.users if u.action is action)
