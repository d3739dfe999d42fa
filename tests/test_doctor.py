"""`doctor`: every check, in its good and its bad state, on the local org emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from users_support import (
    BILLING,
    ERP,
    copy_sample,
    deploy,
    invoke,
    point_env_at,
    records,
    scripted,
    set_fields,
)

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.users.doctor import Status, check_api_only_permission

ERP_PROFILE = "Minimum Access - API Only Integrations"
RANGES = f"""
[profiles."{ERP_PROFILE}"]
custom = false
user_license = "Salesforce Integration"
login_ip_ranges = [{{ start = "192.0.2.0", end = "192.0.2.15", description = "ERP egress" }}]
"""


@pytest.fixture
def project(tmp_path: Path, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> Path:
    point_env_at(emulator, monkeypatch)
    return copy_sample(tmp_path)


@pytest.fixture
def provisioned(project: Path) -> Path:
    deploy(project)
    result = invoke("users", "apply", "-p", str(project), "-o", "env")
    assert result.exit_code == 0, result.output
    return project


def doctor(project: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    result = invoke("doctor", "-p", str(project), "-o", "env", "--json")
    document = json.loads(result.stdout)
    assert document["schema"] == "apionly-deploy/doctor/1"
    return result.exit_code, {c["id"]: c for c in document["checks"]}


def statuses(checks: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {key: check["status"] for key, check in checks.items()}


def test_fresh_org_answers_the_questions_and_flags_what_is_missing(project: Path) -> None:
    """Before deploy and apply: the org supports API-only users; the project is not there yet."""
    code, checks = doctor(project)
    assert code == 1
    assert statuses(checks) == {
        "api_access": "ok",
        "api_only_permission": "ok",
        "user_licenses": "ok",
        "integration_license": "ok",
        "project_components": "problem",
        "users": "problem",
        "login_ip_ranges": "warning",
    }
    assert (
        "Salesforce Integration: 0/5 used, API Only User: yes" in checks["user_licenses"]["details"]
    )
    assert "Salesforce Platform: 0/10 used, API Only User: no" in checks["user_licenses"]["details"]
    assert checks["integration_license"]["title"] == (
        f"Salesforce Integration license (0/5 used) with profile '{ERP_PROFILE}'"
    )
    assert checks["project_components"]["title"] == "4 missing, 0 out of sync of 4"
    assert checks["users"]["details"] == [f"{BILLING}: not in the org", f"{ERP}: not in the org"]
    assert checks["login_ip_ranges"]["details"] == [f"{ERP}: profile '{ERP_PROFILE}': 0 range(s)"]


def test_after_deploy_and_apply_everything_is_right_but_the_open_erp_profile(
    provisioned: Path,
) -> None:
    code, checks = doctor(provisioned)
    assert code == 0
    assert statuses(checks) == {
        "api_access": "ok",
        "api_only_permission": "ok",
        "user_licenses": "ok",
        "integration_license": "ok",
        "project_components": "ok",
        "users": "ok",
        "login_ip_ranges": "warning",
    }
    assert "PermissionSetGroup ERP_Integration: in sync" in checks["project_components"]["details"]
    assert checks["users"]["details"] == [
        f"{BILLING}: exists, active, API-only",
        f"{ERP}: exists, active, API-only",
    ]
    assert checks["login_ip_ranges"]["fix"].startswith("add login_ip_ranges to the user's profile")


def test_text_output_is_one_line_per_check_with_its_fix(provisioned: Path) -> None:
    result = invoke("doctor", "-p", str(provisioned), "-o", "env")
    lines = result.stdout.splitlines()
    assert lines[0] == "Doctor for org 'env':"
    assert lines[1].startswith("  [ok] API access available: Local Org (Enterprise Edition, ")
    assert "  [warning] 1 API-only user(s) can log in from any IP address" in lines
    assert lines[-1] == "Overall: warning."


def test_login_ip_ranges_on_every_api_only_profile_is_ok(project: Path) -> None:
    """Patching the standard Integration profile with ranges closes the last warning."""
    with (project / "apionly.toml").open("a") as handle:
        handle.write(RANGES)
    deploy(project)
    assert invoke("users", "apply", "-p", str(project), "-o", "env").exit_code == 0
    code, checks = doctor(project)
    assert code == 0
    assert checks["login_ip_ranges"]["status"] == "ok"
    assert f"{ERP}: profile '{ERP_PROFILE}': 1 range(s)" in checks["login_ip_ranges"]["details"]


def test_api_access_refused_is_the_only_answer(project: Path, emulator: EmulatorInfo) -> None:
    emulator.faults.http_error(500, match="versions")
    code, checks = doctor(project)
    assert code == 1
    assert list(checks) == ["api_access"]
    assert checks["api_access"]["status"] == "problem"


def test_org_without_api_only_permission_is_a_problem() -> None:
    """PermissionSet describe without PermissionsApiUserOnly (the emulator always has it)."""
    client, _ = scripted((200, {"fields": [{"name": "PermissionsApiEnabled"}]}))
    check = check_api_only_permission(client)
    assert check.status is Status.PROBLEM
    assert check.fix is not None and "Salesforce Integration license" in check.fix


def test_full_license_needed_by_a_declared_user_is_a_warning(
    project: Path, emulator: EmulatorInfo
) -> None:
    set_fields(emulator, "UserLicense", {"Name": "Salesforce Integration"}, UsedLicenses=5)
    _, checks = doctor(project)
    assert checks["user_licenses"]["status"] == "warning"
    assert checks["user_licenses"]["title"] == (
        "no free seats on license(s) the project's users need: Salesforce Integration"
    )


def test_missing_integration_license_is_a_warning(project: Path, emulator: EmulatorInfo) -> None:
    (lic,) = records(emulator, "UserLicense", Name="Salesforce Integration")
    emulator.org.store.delete_record(lic["Id"])
    _, checks = doctor(project)
    assert checks["integration_license"]["status"] == "warning"
    assert checks["integration_license"]["title"] == "no Salesforce Integration license in this org"


def test_legacy_integration_profile_name_is_a_warning(
    project: Path, emulator: EmulatorInfo
) -> None:
    legacy = "Salesforce API Only System Integrations"
    set_fields(emulator, "Profile", {"Name": ERP_PROFILE}, Name=legacy)
    _, checks = doctor(project)
    assert checks["integration_license"]["status"] == "warning"
    assert checks["integration_license"]["title"] == (
        f"Salesforce Integration license (0/5 used) under the legacy profile '{legacy}'"
    )


def test_project_changed_since_the_deploy_is_out_of_sync(provisioned: Path) -> None:
    path = provisioned / "apionly.toml"
    path.write_text(
        path.read_text().replace('"Contact.Email" = "read"', '"Contact.Email" = "edit"')
    )
    code, checks = doctor(provisioned)
    assert code == 0
    assert checks["project_components"]["status"] == "warning"
    assert (
        "PermissionSet ERP_Accounts: 1 difference(s) from the project"
        in (checks["project_components"]["details"])
    )


def test_inactive_and_not_api_only_users_are_problems(
    provisioned: Path, emulator: EmulatorInfo
) -> None:
    set_fields(emulator, "User", {"Username": ERP}, IsActive=False)
    (standard,) = records(emulator, "Profile", Name="Standard User")
    set_fields(emulator, "User", {"Username": BILLING}, ProfileId=standard["Id"])
    code, checks = doctor(provisioned)
    assert code == 1
    assert checks["users"]["details"] == [
        f"{BILLING}: NOT API-only (neither profile nor sets grant it)",
        f"{ERP}: inactive, declared active",
    ]


def test_doctor_without_a_project_checks_the_org_only(
    tmp_path: Path, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_env_at(emulator, monkeypatch)
    code, checks = doctor(tmp_path)
    assert code == 0
    assert list(checks) == [
        "api_access",
        "api_only_permission",
        "user_licenses",
        "integration_license",
    ]
