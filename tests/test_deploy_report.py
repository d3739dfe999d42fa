"""Deploy report formats: text, JSON, JUnit, GitHub annotations and summary (pure)."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from apionly_deploy.errors import AuthError
from apionly_deploy.report import deploy as report
from apionly_deploy.report import deploy_ci, locations
from apionly_deploy.salesforce.deploy import Outcome, Verb
from apionly_deploy.salesforce.metadata_api import (
    CoverageWarning,
    DeployMessage,
    DeployResult,
    DeployStatus,
    RunTestsResult,
    TestFailure,
    TestSuccess,
)

FAILURE = DeployMessage(
    full_name="ERP_Accounts",
    component_type="PermissionSet",
    file_name="permissionsets/ERP_Accounts.permissionset",
    success=False,
    problem="Unknown user permission: ViewAllDat",
    problem_type="Error",
    line=12,
    column=5,
)
WARNING = DeployMessage(
    full_name="Old",
    component_type="Profile",
    file_name="profiles/Old.profile",
    success=False,
    problem="Profile is deprecated, 100% sure",
    problem_type="Warning",
)
SUCCESS = DeployMessage(
    full_name="ERP_Orders",
    component_type="PermissionSet",
    file_name="permissionsets/ERP_Orders.permissionset",
    created=True,
)
TESTS = RunTestsResult(
    num_tests_run=2,
    num_failures=1,
    total_time=300.0,
    failures=(
        TestFailure(
            name="ErpTest",
            method_name="syncs",
            message="System.AssertException: x",
            stack_trace="Class.ErpTest.syncs: line 7",
            time=120.0,
        ),
    ),
    successes=(TestSuccess(name="ErpTest", method_name="reads", time=80.0),),
    coverage_warnings=(CoverageWarning(message="Average test coverage is 60%"),),
)
FAILED = DeployResult(
    id="0Af000000000001AAA",
    status=DeployStatus.FAILED,
    done=True,
    success=False,
    components_total=3,
    components_deployed=1,
    component_errors=1,
    tests_total=2,
    tests_completed=2,
    test_errors=1,
    has_details=True,
    component_failures=(FAILURE, WARNING),
    component_successes=(SUCCESS,),
    test_result=TESTS,
)
OK = DeployResult(
    id="0Af000000000002AAA",
    status=DeployStatus.SUCCEEDED,
    done=True,
    success=True,
    components_total=1,
    components_deployed=1,
    component_successes=(SUCCESS,),
)


def test_text_summary_of_a_failed_deploy():
    outcome = Outcome("prod", Verb.START, FAILED.id, FAILED)
    assert report.text_summary(outcome) == (
        "Deploy 0Af000000000001AAA on prod: Failed (1/3 components, 1 component error(s), "
        "2/2 tests, 1 test error(s))\n"
        "  permissionsets/ERP_Accounts.permissionset:12:5  Unknown user permission: ViewAllDat"
        "  [PermissionSet ERP_Accounts]\n"
        "  profiles/Old.profile  warning: Profile is deprecated, 100% sure  [Profile Old]\n"
        "  rolled back  PermissionSet  ERP_Orders\n"
        "  Apex tests: 2 run, 1 failed\n"
        "  ErpTest.syncs  System.AssertException: x\n"
        "  coverage: Average test coverage is 60%"
    )


def test_text_summary_of_a_validation_offers_quick_deploy():
    outcome = Outcome("uat", Verb.VALIDATE, OK.id, OK)
    assert report.text_summary(outcome).splitlines()[-1] == (
        "  Quick deploy it with: apionly-deploy deploy quick -o uat --job-id 0Af000000000002AAA"
    )


def test_json_document_is_stable():
    doc = json.loads(report.json_report([Outcome("prod", Verb.START, FAILED.id, FAILED)]))
    assert list(doc) == [
        "version",
        "org",
        "verb",
        "id",
        "status",
        "done",
        "success",
        "check_only",
        "exit_code",
        "error",
        "interrupted",
        "counts",
        "component_failures",
        "component_successes",
        "tests",
    ]
    assert doc["exit_code"] == 1 and doc["counts"]["test_errors"] == 1
    assert doc["tests"]["failures"][0]["stack_trace"] == "Class.ErpTest.syncs: line 7"
    assert doc["component_successes"] == [
        {
            "type": "PermissionSet",
            "name": "ERP_Orders",
            "file": "permissionsets/ERP_Orders.permissionset",
            "deployed": False,  # the deploy failed: the org rolled the good component back
            "changed": False,
            "created": False,
            "deleted": False,
        }
    ]


def test_json_of_several_targets_wraps_them():
    outcomes = [
        Outcome("uat", Verb.START, OK.id, OK),
        Outcome("prod", Verb.START, error=AuthError("refused")),
    ]
    doc = json.loads(report.json_report(outcomes))
    assert (doc["success"], doc["exit_code"]) == (False, 3)
    assert [r["org"] for r in doc["results"]] == ["uat", "prod"]
    assert doc["results"][1]["error"] == "refused"


def test_junit_has_a_case_per_component_and_apex_test():
    outcomes = [
        Outcome("prod", Verb.START, FAILED.id, FAILED),
        Outcome("eu", Verb.START, error=AuthError("invalid_grant")),
    ]
    root = etree.fromstring(deploy_ci.junit_report(outcomes))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "1")
    prod, eu = root.findall("testsuite")
    cases = [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in prod]
    assert cases == [
        ("PermissionSet", "ERP_Accounts", True),
        ("Profile", "Old", False),  # a warning is not a failure
        ("PermissionSet", "ERP_Orders", False),
        ("ErpTest", "reads", False),
        ("ErpTest", "syncs", True),
    ]
    assert prod[4].get("time") == "0.120"
    assert eu.find("testcase/error").get("message") == "invalid_grant"
    # The deploy failed, so the org rolled the good component back: reported as not deployed.
    skipped = prod[2].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not deployed: the org rolled the whole deploy back"
    assert prod[1].find("skipped") is None  # a failed component is a failure, not a skip


def test_github_annotations_escape_and_point_at_the_file():
    lines = deploy_ci.github_annotations(
        [Outcome("prod", Verb.START, FAILED.id, FAILED)]
    ).splitlines()
    assert lines == [
        "::error file=permissionsets/ERP_Accounts.permissionset,line=12,col=5,title=Deploy to prod"
        "::Unknown user permission: ViewAllDat [PermissionSet ERP_Accounts]",
        "::warning file=profiles/Old.profile,title=Deploy to prod::Profile is deprecated, "
        "100%25 sure [Profile Old]",
        "::error title=Deploy to prod::ErpTest.syncs: System.AssertException: x",
    ]


def test_github_summary_table():
    text = deploy_ci.github_summary(
        [Outcome("prod", Verb.START, FAILED.id, FAILED), Outcome("uat", Verb.START, OK.id, OK)]
    )
    assert "| prod | ❌ Failed | 1/3 | 2 | 2/2 | `0Af000000000001AAA` |" in text
    assert "| uat | ✅ Succeeded | 1/1 | 0 | 0/0 | `0Af000000000002AAA` |" in text


def test_summary_table_aligns_targets():
    table = report.summary_table(
        [
            Outcome("uat", Verb.START, OK.id, OK),
            Outcome("production", Verb.START, error=AuthError("nope")),
        ]
    )
    rows = table.splitlines()
    assert rows[0].startswith("ORG         STATUS")
    assert rows[2].startswith("production  error")


def test_project_location_points_at_the_toml_entry(tmp_path):
    text = (
        "[project]\nname = 'x'\n\n"
        "[permission_sets.ERP_Accounts]\nlabel = 'ERP'\n"
        'user_permissions = ["ApiEnabled", "ViewAllDat"]\n\n'
        '[profiles."Billing API Only"]\napi_only = true\n'
    )
    locate = locations.project_location(Path("apionly.toml"), text)
    assert locate(FAILURE) == ("apionly.toml", 6, 36)
    other = DeployMessage(
        full_name="Billing API Only",
        component_type="Profile",
        problem="License mismatch",
        success=False,
    )
    assert locate(other) == ("apionly.toml", 8, 1)
    unknown = DeployMessage(full_name="package.xml", file_name="package.xml", success=False)
    assert locate(unknown) == ("package.xml", None, None)
