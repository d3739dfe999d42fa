"""`users plan|apply` end to end on the local org emulator: plan, apply, re-apply, prune, bad input."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from users_support import (
    BILLING,
    ERP,
    copy_sample,
    deploy,
    drop_user,
    invoke,
    org_user,
    point_env_at,
    records,
    set_fields,
    users_json,
)

from apionly_deploy.cli.users import with_users
from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.salesforce.auth import org_from_env
from apionly_deploy.salesforce.deploy import Outcome, Verb, connect
from apionly_deploy.salesforce.metadata_api import DeployResult, DeployStatus
from apionly_deploy.users import provision
from apionly_deploy.users.apply import Outcome as StepOutcome
from apionly_deploy.users.apply import apply_plan


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_env_at(emulator, monkeypatch)
    return copy_sample(tmp_path)


@pytest.fixture
def deployed(project: Path) -> Path:
    deploy(project)
    return project


def assigned(emulator: EmulatorInfo, username: str) -> dict[str, set[str]]:
    """Return the names of the sets, groups and licenses the org assigns to ``username``."""
    user = org_user(emulator, username)
    assert user is not None
    names = {r["Id"]: r["Name"] for r in records(emulator, "PermissionSet")}
    groups = {r["Id"]: r["DeveloperName"] for r in records(emulator, "PermissionSetGroup")}
    psls = {r["Id"]: r["DeveloperName"] for r in records(emulator, "PermissionSetLicense")}
    sets = records(emulator, "PermissionSetAssignment", AssigneeId=user["Id"])
    return {
        "sets": {names[a["PermissionSetId"]] for a in sets if not a.get("PermissionSetGroupId")},
        "groups": {
            groups[a["PermissionSetGroupId"]] for a in sets if a.get("PermissionSetGroupId")
        },
        "psls": {
            psls[a["PermissionSetLicenseId"]]
            for a in records(emulator, "PermissionSetLicenseAssign", AssigneeId=user["Id"])
        },
    }


def test_plan_then_apply_creates_the_sample_users_and_a_second_apply_is_all_no_ops(
    deployed: Path, emulator: EmulatorInfo
) -> None:
    """The README's job: deploy, then provision both users; running it again changes nothing."""
    code, plan = users_json(deployed, "plan")
    assert code == 0
    assert plan["summary"] == {
        "create": 2,
        "update": 0,
        "no-op": 0,
        "deactivate": 0,
        "steps": 4,
        "problems": 0,
    }
    assert [(s["kind"], s["target"]) for u in plan["users"] for s in u["steps"]] == [
        ("create", "Billing API Only"),
        ("create", "Minimum Access - API Only Integrations"),
        ("assign_permission_set_license", "SalesforceAPIIntegrationPsl"),
        ("assign_permission_set_group", "ERP_Integration"),
    ]
    result = invoke("users", "apply", "-p", str(deployed), "-o", "env")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "Applied 4 of 4 step(s)."
    erp = org_user(emulator, ERP)
    assert erp is not None and erp["IsActive"] is True and erp["Alias"] == "erpint"
    assert assigned(emulator, ERP) == {
        "sets": set(),
        "groups": {"ERP_Integration"},
        "psls": {"SalesforceAPIIntegrationPsl"},
    }
    assert org_user(emulator, BILLING) is not None
    code, again = users_json(deployed, "apply")
    assert code == 0
    assert again["steps"] == [] and again["ok"] is True
    assert [u["action"] for u in again["plan"]["users"]] == ["no-op", "no-op"]
    text = invoke("users", "apply", "-p", str(deployed), "-o", "env").stdout
    assert "nothing to do: the org already matches the project file" in text


def test_apply_follows_changes_in_the_file(deployed: Path, emulator: EmulatorInfo) -> None:
    """An edited field is an update; a group swapped for a set is an unassign plus an assign."""
    assert invoke("users", "apply", "-p", str(deployed), "-o", "env").exit_code == 0
    path = deployed / "apionly.toml"
    path.write_text(
        path.read_text()
        .replace('alias = "erpint"\n', 'alias = "erp2"\ntime_zone = "Europe/Paris"\n')
        .replace('permission_set_groups = ["ERP_Integration"]', 'permission_sets = ["ERP_Orders"]')
    )
    code, result = users_json(deployed, "apply")
    assert code == 0
    assert [(s["kind"], s["outcome"]) for s in result["steps"]] == [
        ("update", "done"),
        ("unassign_permission_set_group", "done"),
        ("assign_permission_set", "done"),
    ]
    assert result["steps"][0]["fields"] == [
        {"field": "Alias", "before": "erpint", "after": "erp2"},
        {"field": "TimeZoneSidKey", "before": "GMT", "after": "Europe/Paris"},
    ]
    assert assigned(emulator, ERP)["sets"] == {"ERP_Orders"}
    assert assigned(emulator, ERP)["groups"] == set()
    assert users_json(deployed, "plan")[1]["summary"]["steps"] == 0


def test_prune_deactivates_a_removed_user_and_never_deletes_it(
    deployed: Path, emulator: EmulatorInfo
) -> None:
    assert invoke("users", "apply", "-p", str(deployed), "-o", "env").exit_code == 0
    drop_user(deployed, BILLING)
    code, plan = users_json(deployed, "plan")
    assert code == 0
    (noted,) = [u for u in plan["users"] if u["username"] == BILLING]
    assert noted["action"] == "no-op" and noted["steps"] == []
    assert "`--prune` would deactivate it" in noted["notes"][0]
    assert users_json(deployed, "apply")[1]["steps"] == []  # without --prune: untouched
    code, pruned = users_json(deployed, "apply", "--prune")
    assert code == 0
    assert [(s["kind"], s["username"], s["outcome"]) for s in pruned["steps"]] == [
        ("deactivate", BILLING, "done")
    ]
    billing = org_user(emulator, BILLING)
    assert billing is not None and billing["IsActive"] is False
    assert users_json(deployed, "plan", "--prune")[1]["summary"]["steps"] == 0


def test_before_the_deploy_apply_refuses_and_writes_nothing(
    project: Path, emulator: EmulatorInfo
) -> None:
    """The profile and group are not in the org yet: clear errors, no write, exit 1."""
    result = invoke("users", "apply", "-p", str(project), "-o", "env")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: 2 problem(s); nothing was written:\n"
        f"  {BILLING}: profile 'Billing API Only' is not in the org; deploy the project first "
        "or fix the name (profiles are named as in Setup)\n"
        f"  {ERP}: permission set group 'ERP_Integration' is not in the org; deploy the "
        "project first or fix the name\n"
    )
    assert org_user(emulator, ERP) is None and org_user(emulator, BILLING) is None


def test_license_without_free_seats_is_refused_before_any_write(
    deployed: Path, emulator: EmulatorInfo
) -> None:
    set_fields(emulator, "UserLicense", {"Name": "Salesforce Integration"}, UsedLicenses=5)
    code, plan = users_json(deployed, "plan")
    assert code == 1
    assert plan["problems"] == [
        "license 'Salesforce Integration' has 0 free seat(s) of 5 and this plan needs 1; free "
        "seats (deactivate users) or buy more"
    ]
    assert invoke("users", "apply", "-p", str(deployed), "-o", "env").exit_code == 1
    assert org_user(emulator, BILLING) is None


def test_invalid_email_is_a_config_error_before_the_org_is_contacted(
    project: Path, emulator: EmulatorInfo
) -> None:
    path = project / "apionly.toml"
    path.write_text(path.read_text().replace('"integration-owners@acme.example"', '"owners"', 1))
    before = len(emulator.requests.entries()) if hasattr(emulator.requests, "entries") else None
    result = invoke("users", "apply", "-p", str(project), "-o", "env")
    assert result.exit_code == 3
    assert "email: 'owners' is not a valid email address" in result.stderr
    if before is not None:
        assert len(emulator.requests.entries()) == before


def test_username_taken_between_plan_and_apply_is_explained(
    deployed: Path, emulator: EmulatorInfo
) -> None:
    """DUPLICATE_USERNAME (usernames are global) fails its create; later steps are not tried."""
    users = provision.load_users_project(deployed, org="env")
    with provision.open_org(users.project, "env") as clients:
        plan = provision.plan_for(users, clients)
        clients.rest.create(
            "User",
            {
                "Username": ERP,
                "LastName": "Someone",
                "Email": "x@other.example",
                "Alias": "x",
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "ProfileId": plan.steps[1].target_id,
            },
        )
        result = apply_plan(clients.rest, plan)
    assert not result.ok
    first = result.results[0]
    assert first.step.username == BILLING
    # one by one (no composite API), the billing create before it stays done; in a composite
    # all-or-none batch it is rolled back: either way the org matches what the result says
    billing_created = org_user(emulator, BILLING) is not None
    assert first.outcome is (StepOutcome.DONE if billing_created else StepOutcome.NOT_ATTEMPTED)
    failed = result.of(StepOutcome.FAILED)
    assert len(failed) == 1 and failed[0].step.username == ERP
    assert failed[0].message is not None
    assert "is taken, most likely in another Salesforce org" in failed[0].message
    assert [r.step.kind.value for r in result.of(StepOutcome.NOT_ATTEMPTED)][-2:] == [
        "assign_permission_set_license",
        "assign_permission_set_group",
    ]


def test_a_failure_mid_apply_says_what_was_done_and_a_rerun_finishes(
    deployed: Path, emulator: EmulatorInfo
) -> None:
    """HTTP 500 on the group assignment: creates and the license are done, the rest retried."""
    emulator.faults.http_error(500, match="/services/data/v62.0/sobjects/PermissionSetAssignment")
    result = invoke("users", "apply", "-p", str(deployed), "-o", "env")
    assert result.exit_code == 4
    lines = result.stdout.splitlines()
    assert lines[1:4] == [
        f"  [ok] create user {BILLING} (profile Billing API Only)",
        f"  [ok] create user {ERP} (profile Minimum Access - API Only Integrations)",
        f"  [ok] assign permission set license SalesforceAPIIntegrationPsl for {ERP}",
    ]
    assert lines[4].startswith(f"  [UNKNOWN] assign permission set group ERP_Integration for {ERP}")
    assert lines[5] == (
        "Applied 3 of 4 step(s); run `users apply` again once the cause is fixed to finish."
    )
    code, rerun = users_json(deployed, "apply")
    assert code == 0
    assert [(s["kind"], s["outcome"]) for s in rerun["steps"]] == [
        ("assign_permission_set_group", "done")
    ]
    assert assigned(emulator, ERP)["groups"] == {"ERP_Integration"}


@pytest.mark.parametrize("check_only", [False, True])
def test_deploy_with_users_applies_after_a_real_deploy_only(
    deployed: Path, emulator: EmulatorInfo, check_only: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """`deploy start --with-users` wraps the deploy action: users follow a saved deploy only."""
    import os

    succeeded = DeployResult("0Af1", DeployStatus.SUCCEEDED, True, True, check_only=check_only)
    action = with_users(lambda run: Outcome(run.conn.name, Verb.START, "0Af1", succeeded), deployed)
    with connect(org_from_env(os.environ), project_dir=deployed) as connection:
        outcome = action(SimpleNamespace(conn=connection))
    assert outcome.error is None
    assert (org_user(emulator, ERP) is None) is check_only
    printed = capsys.readouterr().out
    assert printed.endswith("Applied 4 of 4 step(s).\n") or (check_only and printed == "")


def test_sandbox_gets_its_username_suffix(
    tmp_path: Path, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[orgs.uat.vars] username_suffix = ".uat"`: the same file, a different username."""
    monkeypatch.setenv("UAT_TOKEN", emulator.new_access_token())
    (tmp_path / "apionly.toml").write_text(
        f'[orgs.uat]\nauth = "access-token"\ninstance_url = "{emulator.instance_url}"\n'
        f'access_token_env = "UAT_TOKEN"\nca_cert = "{emulator.ca_cert}"\n'
        '[orgs.uat.vars]\nusername_suffix = ".uat"\n\n'
        '[users."sync@acme.example"]\nlast_name = "Sync"\nemail = "sync@acme.example"\n'
        'profile = "Minimum Access - API Only Integrations"\n'
    )
    result = invoke("users", "apply", "-p", str(tmp_path), "-o", "uat")
    assert result.exit_code == 0, result.output
    assert org_user(emulator, "sync@acme.example.uat") is not None
    assert org_user(emulator, "sync@acme.example") is None
