"""Planning is pure: an OrgState and the desired users give steps in apply order, or problems."""

from __future__ import annotations

import dataclasses

from apionly_deploy.users.config import DesiredUser
from apionly_deploy.users.plan import Phase, StepKind, UserAction, plan_users
from apionly_deploy.users.state import (
    Assignment,
    Group,
    Managed,
    OrgState,
    OrgUser,
    PermissionSet,
    Profile,
    Seats,
)

SF, INTEG = "100000000000001AAA", "100000000000002AAA"
PSL = "0PL000000000001AAA"
P_INT, P_BILL, P_ADMIN = "00e000000000001AAA", "00e000000000002AAA", "00e000000000003AAA"
S_ACC, S_ORD, S_OTHER, S_GROUP = (f"0PS00000000000{i}AAA" for i in range(1, 5))
S_OWN_INT, S_OWN_BILL = "0PS000000000009AAA", "0PS000000000008AAA"
G_ERP = "0PG000000000001AAA"

STATE = OrgState(
    user_licenses=(Seats(SF, "Salesforce", 10, 3), Seats(INTEG, "Salesforce Integration", 5, 0)),
    psls=(Seats(PSL, "SalesforceAPIIntegrationPsl", 5, 0, label="Salesforce API Integration"),),
    profiles=(
        Profile(P_INT, "Minimum Access - API Only Integrations", INTEG, api_only=True),
        Profile(P_BILL, "Billing API Only", SF, api_only=True),
        Profile(P_ADMIN, "System Administrator", SF, api_only=False),
    ),
    permission_sets=(
        PermissionSet(S_ACC, "ERP_Accounts", PSL, api_only=False),
        PermissionSet(S_ORD, "ERP_Orders", PSL, api_only=False),
        PermissionSet(S_OTHER, "Reports", None, api_only=False),
        PermissionSet(S_GROUP, "ERP_Integration", None, api_only=False, group_id=G_ERP),
        PermissionSet(S_OWN_INT, "X00e1", INTEG, api_only=True, profile_id=P_INT),
        PermissionSet(S_OWN_BILL, "X00e2", SF, api_only=True, profile_id=P_BILL),
    ),
    groups=(Group(G_ERP, "ERP_Integration", "Updated"),),
)
MANAGED = Managed(
    profiles=frozenset({"Billing API Only"}),
    permission_sets=frozenset({"ERP_Accounts", "ERP_Orders"}),
    groups=frozenset({"ERP_Integration"}),
    group_members=(("ERP_Integration", ("ERP_Accounts", "ERP_Orders")),),
)
ERP = DesiredUser(
    username="erp@acme.example",
    declared_as="erp@acme.example",
    last_name="Integration",
    email="owners@acme.example",
    profile="Minimum Access - API Only Integrations",
    permission_set_licenses=("SalesforceAPIIntegrationPsl",),
    permission_set_groups=("ERP_Integration",),
)
BILLING = DesiredUser(
    username="billing@acme.example",
    declared_as="billing@acme.example",
    last_name="Billing",
    email="owners@acme.example",
    profile="Billing API Only",
)
ERP_USER_FIELDS = {
    "Username": "erp@acme.example",
    "LastName": "Integration",
    "Email": "Owners@Acme.example",
    "IsActive": True,
    "TimeZoneSidKey": "America/New_York",
}


def with_user(state: OrgState, user: OrgUser, *, sets=(), groups=(), psls=()) -> OrgState:  # type: ignore[no-untyped-def]
    n = len(state.users)
    return dataclasses.replace(
        state,
        users=(*state.users, user),
        set_assignments=(
            *state.set_assignments,
            *(Assignment(f"0Pa{n}{i}", user.id, s) for i, s in enumerate(sets)),
        ),
        group_assignments=(
            *state.group_assignments,
            *(Assignment(f"0Pg{n}{i}", user.id, g) for i, g in enumerate(groups)),
        ),
        psl_assignments=(
            *state.psl_assignments,
            *(Assignment(f"2LA{n}{i}", user.id, p) for i, p in enumerate(psls)),
        ),
    )


def erp_in_org(**assignments: tuple[str, ...]) -> OrgState:
    user = OrgUser("005000000000001AAA", "ERP@acme.example", P_INT, True, ERP_USER_FIELDS)
    return with_user(STATE, user, **assignments)


def test_new_user_is_created_then_license_then_group() -> None:
    """Creates come first, the permission set license before the group that needs it."""
    plan = plan_users([ERP], STATE, org="prod", managed=MANAGED)
    assert plan.problems == ()
    (user,) = plan.users
    assert user.action is UserAction.CREATE
    kinds = [s.kind for s in plan.steps]
    assert kinds == [StepKind.CREATE, StepKind.ASSIGN_PSL, StepKind.ASSIGN_GROUP]
    assert [s.phase for s in plan.steps] == [Phase.CREATE, Phase.ASSIGN_PSL, Phase.ASSIGN_GROUP]
    create = plan.steps[0]
    assert create.target_id == P_INT
    assert {f.field: f.after for f in create.fields}["TimeZoneSidKey"] == "GMT"


def test_matching_user_is_a_no_op() -> None:
    """Username and email compare case-insensitively; unmanaged fields (time zone) are left."""
    state = erp_in_org(groups=(G_ERP,), psls=(PSL,))
    plan = plan_users([ERP], state, org="prod", managed=MANAGED)
    assert [u.action for u in plan.users] == [UserAction.NO_OP]
    assert plan.steps == ()


def test_changed_fields_and_extra_assignments_become_update_and_unassigns() -> None:
    """A set the file no longer lists is unassigned; unassigns run before assigns."""
    state = erp_in_org(sets=(S_OTHER,), psls=(PSL,))
    wanted = dataclasses.replace(ERP, last_name="Sync", time_zone="Europe/Paris")
    plan = plan_users([wanted], state, org="prod", managed=MANAGED)
    (user,) = plan.users
    assert user.action is UserAction.UPDATE
    update, unassign, assign = plan.steps
    assert update.kind is StepKind.UPDATE
    assert {(f.field, f.before, f.after) for f in update.fields} == {
        ("LastName", "Integration", "Sync"),
        ("TimeZoneSidKey", "America/New_York", "Europe/Paris"),
    }
    assert (unassign.kind, unassign.target, unassign.record_id) == (
        StepKind.UNASSIGN_SET,
        "Reports",
        "0Pa00",
    )
    assert (assign.kind, assign.target) == (StepKind.ASSIGN_GROUP, "ERP_Integration")


def test_profile_change_is_an_update_by_name() -> None:
    state = erp_in_org(groups=(G_ERP,), psls=(PSL,))
    plan = plan_users([dataclasses.replace(ERP, profile="Billing API Only")], state, org="prod")
    (update,) = [s for s in plan.steps if s.kind is StepKind.UPDATE]
    assert [(f.field, f.before, f.after) for f in update.fields] == [
        ("ProfileId", "Minimum Access - API Only Integrations", "Billing API Only")
    ]
    assert update.target_id == P_BILL


def test_missing_profile_set_group_and_license_are_problems_with_suggestions() -> None:
    """Every name the org lacks is reported at once, with a did-you-mean."""
    wanted = dataclasses.replace(
        ERP,
        profile="Minimum Access - API Only Integration",
        permission_set_licenses=("SalesforceAPIIntegrationPls",),
        permission_sets=("ERP_Acounts",),
        permission_set_groups=("ERP_Integratio",),
    )
    plan = plan_users([wanted], STATE, org="prod", managed=MANAGED)
    assert plan.problems == (
        "erp@acme.example: profile 'Minimum Access - API Only Integration' is not in the org "
        "(did you mean 'Minimum Access - API Only Integrations'?); deploy the project first or "
        "fix the name (profiles are named as in Setup)",
        "erp@acme.example: permission set license 'SalesforceAPIIntegrationPls' is not in the "
        "org (did you mean 'SalesforceAPIIntegrationPsl'?); deploy the project first or fix the "
        "name",
        "erp@acme.example: permission set 'ERP_Acounts' is not in the org (did you mean "
        "'ERP_Accounts'?); deploy the project first or fix the name",
        "erp@acme.example: permission set group 'ERP_Integratio' is not in the org (did you "
        "mean 'ERP_Integration'?); deploy the project first or fix the name",
    )


def test_set_needing_a_license_the_user_lacks_is_a_problem() -> None:
    """The PSL must be assigned before its sets: forgetting it in the file is caught up front."""
    wanted = dataclasses.replace(ERP, permission_set_licenses=(), permission_sets=("ERP_Orders",))
    plan = plan_users([wanted], STATE, org="prod", managed=MANAGED)
    assert plan.problems == (
        "erp@acme.example: 'ERP_Orders' needs the permission set license "
        "'SalesforceAPIIntegrationPsl'; add it: permission_set_licenses = "
        '["SalesforceAPIIntegrationPsl"]',
        "erp@acme.example: 'ERP_Integration' needs the permission set license "
        "'SalesforceAPIIntegrationPsl'; add it: permission_set_licenses = "
        '["SalesforceAPIIntegrationPsl"]',
    )


def test_user_license_mismatch_is_a_problem() -> None:
    wanted = dataclasses.replace(BILLING, user_license="Salesforce Integration")
    (problem,) = plan_users([wanted], STATE, org="prod").problems
    assert problem == (
        "billing@acme.example: profile 'Billing API Only' is on the 'Salesforce' user license, "
        "not 'Salesforce Integration'; fix user_license or the profile"
    )


def test_no_free_seats_is_a_problem_for_users_and_psls() -> None:
    """Creates and PSL assignments are counted against free seats before anything is written."""
    full = dataclasses.replace(
        STATE,
        user_licenses=(
            Seats(SF, "Salesforce", 10, 3),
            Seats(INTEG, "Salesforce Integration", 5, 5),
        ),
        psls=(Seats(PSL, "SalesforceAPIIntegrationPsl", 1, 1),),
    )
    plan = plan_users([ERP], full, org="prod", managed=MANAGED)
    assert plan.problems == (
        "license 'Salesforce Integration' has 0 free seat(s) of 5 and this plan needs 1; free "
        "seats (deactivate users) or buy more",
        "license 'SalesforceAPIIntegrationPsl' has 0 free seat(s) of 1 and this plan needs 1; "
        "free seats (deactivate users) or buy more",
    )


def test_inactive_user_is_deactivated_and_keeps_its_assignments() -> None:
    state = erp_in_org(sets=(S_OTHER,))
    plan = plan_users([dataclasses.replace(ERP, active=False)], state, org="prod")
    (step,) = plan.steps
    assert step.kind is StepKind.UPDATE
    assert [(f.field, f.before, f.after) for f in step.fields] == [("IsActive", True, False)]
    assert plan.users[0].notes == ("declared inactive: its assignments are left as they are",)


def _undeclared(state: OrgState) -> OrgState:
    """Add an API-only billing user, a human admin holding ERP_Accounts, and the session user."""
    state = with_user(state, OrgUser("005000000000002AAA", "old@acme.example", P_BILL, True))
    state = with_user(
        state, OrgUser("005000000000003AAA", "admin@acme.example", P_ADMIN, True), sets=(S_ACC,)
    )
    return with_user(state, OrgUser("005000000000004AAA", "ci@acme.example", P_BILL, True))


def test_undeclared_holders_are_only_noted_without_prune() -> None:
    plan = plan_users(
        [], _undeclared(STATE), org="prod", managed=MANAGED, session_username="CI@acme.example"
    )
    assert [(u.username, u.action) for u in plan.users] == [("old@acme.example", UserAction.NO_OP)]
    assert "--prune` would deactivate it" in plan.users[0].notes[0]
    assert plan.steps == ()


def test_prune_deactivates_api_only_holders_never_humans_or_the_session_user() -> None:
    """A human admin holding the project's set is not API-only, so it is never pruned."""
    plan = plan_users(
        [],
        _undeclared(STATE),
        org="prod",
        managed=MANAGED,
        prune=True,
        session_username="ci@acme.example",
    )
    (step,) = plan.steps
    assert (step.kind, step.username, step.phase) == (
        StepKind.DEACTIVATE,
        "old@acme.example",
        Phase.PRUNE,
    )
    assert [(f.field, f.after) for f in step.fields] == [("IsActive", False)]
