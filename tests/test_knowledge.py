"""The packaged facts: user permission names and labels, dependencies, licenses."""

from __future__ import annotations

from pathlib import Path

import pytest

from apionly_deploy.check import knowledge
from apionly_deploy.model.parse import parse_component_file

REAL = Path(__file__).parent / "fixtures" / "real-metadata"


def test_names_and_labels():
    assert knowledge.is_known_user_permission("ApiUserOnly")
    assert not knowledge.is_known_user_permission("apiuseronly")
    assert knowledge.user_permission_label("ApiUserOnly") == "API Only User"
    assert knowledge.user_permission_label("ApproveContract") is None
    assert knowledge.user_permission_label("NoSuchPermission") is None
    assert len(knowledge.known_user_permissions()) == 1978
    assert knowledge.permissions_api_version() == "67.0"


def test_tiers():
    assert knowledge.user_permission_tier("ViewSetup") == knowledge.TIER_SALESFORCE
    assert knowledge.user_permission_tier("ManageUserRoles") == knowledge.TIER_THIRD_PARTY
    assert knowledge.user_permission_tier("Nope") is None


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("ApiEnabeld", "ApiEnabled"),
        ("apienabled", "ApiEnabled"),
        ("CreateMultiforce", None),
        ("ViewAllDta", "ViewAllData"),
        ("ApiEnabled", None),
        ("Qqqqqqqqqqqqqqqq", None),
    ],
)
def test_suggestions(name, suggestion):
    assert knowledge.suggest_user_permission(name) == suggestion


def test_dependencies():
    assert knowledge.required_user_permissions("ModifyAllData") == ("ViewAllData",)
    assert knowledge.required_user_permissions("ApiEnabled") == ()
    needs = knowledge.object_permission_requirements()
    assert needs["delete"] == ("read", "edit")
    assert needs["modify_all"] == ("read", "edit", "delete", "view_all")


@pytest.mark.parametrize(
    ("license_name", "allowed"),
    [
        ("Salesforce", True),
        ("Salesforce Integration", True),
        ("Salesforce Platform", False),
        ("salesforce platform", False),
        ("Guest User License", False),
        ("Some Future License", None),
    ],
)
def test_license_allows_api_only(license_name, allowed):
    assert knowledge.license_allows_api_only(license_name) is allowed


def test_uncertain_license_facts_are_marked():
    fact = knowledge.license_fact("Salesforce Platform")
    assert fact is not None and not fact.certain
    assert knowledge.is_api_only_license("Salesforce Integration")
    assert not knowledge.is_api_only_license("Salesforce")
    assert not knowledge.is_api_only_license(None)


def test_integration_names():
    assert knowledge.integration_profile_names() == (
        "Minimum Access - API Only Integrations",
        "Salesforce API Only System Integrations",
    )
    assert knowledge.legacy_integration_profile_names() == (
        "Salesforce API Only System Integrations",
    )
    assert knowledge.integration_user_license() == "Salesforce Integration"
    assert knowledge.integration_permission_set_license() == "SalesforceAPIIntegrationPsl"
    assert knowledge.is_integration_permission_set_license("Salesforce API Integration")
    assert knowledge.is_integration_permission_set_license("salesforceapiintegrationpsl")
    assert not knowledge.is_integration_permission_set_license("Salesforce Integration")


def test_every_name_in_real_files_is_known():
    """Names absent from the newest list still occur in orgs: the full list must hold them."""
    names = set()
    for path in REAL.iterdir():
        if (
            path.name.endswith(("profile", "permissionset", "-meta.xml"))
            and "group" not in path.name
        ):
            component = parse_component_file(path)
            names |= {p.name for p in getattr(component, "user_permissions", ())}
    assert len(names) > 200
    assert sorted(n for n in names if not knowledge.is_known_user_permission(n)) == []
