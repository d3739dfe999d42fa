"""Metadata SOAP deploys over real HTTPS: outcomes, timing, checkOnly, quick deploy, cancel."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.model.xmldoc import METADATA_NS
from tests.emulator.conftest import (
    Soap,
    deploy_body,
    make_zip,
    package_xml,
    permission_set,
    ps_zip,
    text,
    texts,
)


def test_deploy_goes_pending_to_in_progress_to_succeeded(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    """A deploy is Queued, InProgress on the first poll and Succeeded on the second."""
    emulator.configure(deploy_polls=2)
    job = soap.deploy(ps_zip())
    first = soap.status(job)
    assert (text(first, "status"), text(first, "done")) == ("InProgress", "false")
    final = soap.status(job)
    assert text(final, "status") == "Succeeded"
    assert text(final, "success") == "true"
    assert text(final, "numberComponentsDeployed") == "1"
    assert "ERP_Integration" in texts(final, "details/componentSuccesses/fullName")
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is not None


def test_failed_deploy_reports_component_failures_and_changes_nothing(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    """An unknown custom object fails the deploy with Salesforce's wording, file and line."""
    xml = permission_set(
        "ApiEnabled",
        extra="    <objectPermissions>\n        <allowRead>true</allowRead>\n"
        "        <object>Invoice__c</object>\n    </objectPermissions>",
    )
    result = soap.wait(soap.deploy(ps_zip(xml=xml)))
    assert text(result, "status") == "Failed"
    failure = result.find("{*}details/{*}componentFailures")
    assert failure is not None
    assert text(failure, "problem") == "In field: object - no CustomObject named Invoice__c found"
    assert text(failure, "fileName") == "permissionsets/ERP_Integration.permissionset"
    assert text(failure, "lineNumber") == "5"
    assert text(failure, "columnNumber") == "5"
    assert [text(failure, f) for f in ("created", "changed", "deleted")] == ["false"] * 3
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is None


def test_missing_package_xml_fails_like_salesforce(soap: Soap) -> None:
    result = soap.wait(soap.deploy(make_zip({"permissionsets/X.permissionset": b"<x/>"})))
    assert text(result, "status") == "Failed"
    assert texts(result, "details/componentFailures/problem") == ["No package.xml found"]


def test_check_only_persists_nothing_and_quick_deploy_applies_it(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    validation = soap.deploy(ps_zip(), checkOnly=True)
    assert text(soap.wait(validation), "status") == "Succeeded"
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is None
    quick = (
        soap.call(
            f"<m:deployRecentValidation><m:validationId>{validation}</m:validationId>"
            "</m:deployRecentValidation>"
        ).text
        or ""
    )
    assert text(soap.wait(quick), "status") == "Succeeded"
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is not None


def test_package_xml_wildcard_deploys_every_file(soap: Soap) -> None:
    files = {
        "package.xml": package_xml(("PermissionSet", ["*"])),
        "permissionsets/A.permissionset": permission_set("ApiEnabled", label="A"),
        "permissionsets/B.permissionset": permission_set("ApiEnabled", label="B"),
    }
    result = soap.wait(soap.deploy(make_zip(files)))
    assert text(result, "numberComponentsDeployed") == "2"


def test_unknown_user_permission_is_refused_in_salesforce_words(soap: Soap) -> None:
    result = soap.wait(soap.deploy(ps_zip(xml=permission_set("ApiEnabled", "ViewSetupX"))))
    assert text(result, "status") == "Failed"
    assert texts(result, "details/componentFailures/problem") == [
        "Unknown user permission: ViewSetupX"
    ]
    assert texts(result, "details/componentFailures/lineNumber") == ["9"]


def test_missing_permission_dependency_is_refused(soap: Soap) -> None:
    result = soap.wait(soap.deploy(ps_zip(xml=permission_set("ModifyAllData"))))
    assert texts(result, "details/componentFailures/problem") == [
        "Permission ModifyAllData depends on permission(s): ViewAllData"
    ]


def test_permission_set_deploy_replaces_the_whole_set(emulator: EmulatorInfo, soap: Soap) -> None:
    soap.wait(soap.deploy(ps_zip(xml=permission_set("ApiEnabled", "ViewSetup"))))
    soap.wait(soap.deploy(ps_zip(xml=permission_set("ViewSetup"))))
    stored = emulator.org.store.get_component("PermissionSet", "ERP_Integration")
    assert stored is not None
    assert b"ApiEnabled" not in stored.xml and b"ViewSetup" in stored.xml
    record = emulator.org.store.find_record("PermissionSet", Name="ERP_Integration")
    assert record is not None
    assert (record["PermissionsApiEnabled"], record["PermissionsViewSetup"]) == (False, True)


def profile_xml(*permissions: str, extra: str = "") -> bytes:
    entries = "".join(
        f"<userPermissions><enabled>true</enabled><name>{p}</name></userPermissions>"
        for p in permissions
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Profile xmlns="{METADATA_NS}">'
        f"{extra}{entries}</Profile>\n"
    ).encode()


def test_profile_deploy_patches_what_it_names_and_keeps_the_rest(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    """Deploying ViewSetup to Minimum Access - API Only keeps its ApiUserOnly (a patch)."""
    name = "Minimum Access - API Only Integrations"
    files = {
        "package.xml": package_xml(("Profile", [name])),
        f"profiles/{name}.profile": profile_xml("ViewSetup"),
    }
    assert text(soap.wait(soap.deploy(make_zip(files))), "status") == "Succeeded"
    stored = emulator.org.store.get_component("Profile", name)
    assert stored is not None
    assert b"<name>ApiUserOnly</name>" in stored.xml
    assert b"<name>ViewSetup</name>" in stored.xml


def test_api_only_on_a_license_believed_not_to_offer_it_deploys_with_a_warning(
    soap: Soap,
) -> None:
    """The facts only suspect Salesforce Platform (offline validation warns): the local org
    deploys it and warns, the same answer with the same weight of evidence."""
    files = {
        "package.xml": package_xml(("Profile", ["Platform API"])),
        "profiles/Platform API.profile": profile_xml(
            "ApiEnabled", "ApiUserOnly", extra="<userLicense>Salesforce Platform</userLicense>"
        ),
    }
    result = soap.wait(soap.deploy(make_zip(files)))
    assert text(result, "status") == "Succeeded"
    assert texts(result, "details/componentSuccesses/problem") == [
        "The user license doesn't allow the permission: ApiUserOnly"
    ]
    assert texts(result, "details/componentSuccesses/problemType") == ["Warning"]


def test_api_only_on_a_license_documented_not_to_offer_it_is_refused(
    soap: Soap, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apionly_deploy.check import knowledge

    fact = knowledge.license_fact("Salesforce Platform")
    assert fact is not None
    certain = dataclasses.replace(fact, certain=True)
    monkeypatch.setattr(knowledge, "license_fact", lambda name: certain)
    files = {
        "package.xml": package_xml(("Profile", ["Platform API"])),
        "profiles/Platform API.profile": profile_xml(
            "ApiEnabled", "ApiUserOnly", extra="<userLicense>Salesforce Platform</userLicense>"
        ),
    }
    result = soap.wait(soap.deploy(make_zip(files)))
    assert texts(result, "details/componentFailures/problem") == [
        "The user license doesn't allow the permission: ApiUserOnly"
    ]


def test_rollback_off_keeps_the_good_components(emulator: EmulatorInfo, soap: Soap) -> None:
    files = {
        "package.xml": package_xml(("PermissionSet", ["Good", "Bad"])),
        "permissionsets/Good.permissionset": permission_set("ApiEnabled", label="Good"),
        "permissionsets/Bad.permissionset": permission_set("NoSuchPerm", label="Bad"),
    }
    result = soap.wait(soap.deploy(make_zip(files), rollbackOnError=False))
    assert text(result, "status") == "SucceededPartial"
    assert emulator.org.store.get_component("PermissionSet", "Good") is not None
    assert emulator.org.store.get_component("PermissionSet", "Bad") is None


def test_rollback_on_keeps_everything_out(emulator: EmulatorInfo, soap: Soap) -> None:
    files = {
        "package.xml": package_xml(("PermissionSet", ["Good", "Bad"])),
        "permissionsets/Good.permissionset": permission_set("ApiEnabled", label="Good"),
        "permissionsets/Bad.permissionset": permission_set("NoSuchPerm", label="Bad"),
    }
    result = soap.wait(soap.deploy(make_zip(files)))
    assert (text(result, "status"), text(result, "numberComponentErrors")) == ("Failed", "1")
    assert emulator.org.store.get_component("PermissionSet", "Good") is None


def test_group_naming_an_unknown_set_fails_and_one_in_the_same_deploy_works(soap: Soap) -> None:
    group = (
        f'<PermissionSetGroup xmlns="{METADATA_NS}"><label>G</label>'
        "<permissionSets>{}</permissionSets></PermissionSetGroup>"
    )
    files = {
        "package.xml": package_xml(("PermissionSet", ["A"]), ("PermissionSetGroup", ["G", "H"])),
        "permissionsets/A.permissionset": permission_set("ApiEnabled", label="A"),
        "permissionsetgroups/G.permissionsetgroup": group.format("A").encode(),
        "permissionsetgroups/H.permissionsetgroup": group.format("Nope").encode(),
    }
    result = soap.wait(soap.deploy(make_zip(files), rollbackOnError=False))
    assert texts(result, "details/componentFailures/problem") == [
        "In field: permissionSets - no PermissionSet named Nope found"
    ]
    assert "G" in texts(result, "details/componentSuccesses/fullName")


def test_destructive_changes_delete_a_set(emulator: EmulatorInfo, soap: Soap) -> None:
    soap.wait(soap.deploy(ps_zip()))
    files = {
        "package.xml": package_xml(),
        "destructiveChanges.xml": package_xml(("PermissionSet", ["ERP_Integration"])),
    }
    result = soap.wait(soap.deploy(make_zip(files)))
    assert text(result, "status") == "Succeeded"
    assert texts(result, "details/componentSuccesses/deleted") == ["false", "true"]
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is None
    assert emulator.org.store.find_record("PermissionSet", Name="ERP_Integration") is None


def test_cancel_a_deploy_that_never_finishes(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.configure(never_finish=True)
    job = soap.deploy(ps_zip())
    assert text(soap.status(job), "status") == "InProgress"
    reply = soap.call(f"<m:cancelDeploy><m:String>{job}</m:String></m:cancelDeploy>")
    assert text(reply, "done") == "false"
    assert text(soap.status(job), "status") == "Canceled"
    assert emulator.org.store.get_component("PermissionSet", "ERP_Integration") is None


def test_time_based_timing_follows_the_injected_clock(emulator: EmulatorInfo, soap: Soap) -> None:
    now = [1_700_000_000.0]
    emulator.configure(deploy_polls=None, deploy_seconds=10.0, clock=lambda: now[0])
    job = soap.deploy(ps_zip())
    assert text(soap.status(job), "status") == "Pending"
    now[0] += 5
    assert text(soap.status(job), "status") == "InProgress"
    now[0] += 5
    result = soap.status(job)
    assert text(result, "status") == "Succeeded"
    assert text(result, "completedDate") == "2023-11-14T22:13:30.000Z"


def test_unknown_job_id_gets_invalid_cross_reference_key(soap: Soap) -> None:
    response = soap.raw(
        "<m:checkDeployStatus><m:asyncProcessId>0AfDn00000000ZZZZZ</m:asyncProcessId>"
        "<m:includeDetails>true</m:includeDetails></m:checkDeployStatus>"
    )
    assert response.status_code == 500
    assert "<faultcode>sf:INVALID_CROSS_REFERENCE_KEY</faultcode>" in response.text


def test_run_specified_tests_without_tests_is_refused(soap: Soap) -> None:
    response = soap.raw(deploy_body(ps_zip(), testLevel="RunSpecifiedTests"))
    assert response.status_code == 500
    assert "sf:INVALID_OPERATION" in response.text


def test_quick_deploy_twice_is_refused(soap: Soap) -> None:
    validation = soap.deploy(ps_zip(), checkOnly=True)
    soap.wait(validation)
    body = (
        f"<m:deployRecentValidation><m:validationId>{validation}</m:validationId>"
        "</m:deployRecentValidation>"
    )
    soap.call(body)
    response = soap.raw(body)
    assert response.status_code == 500
    assert "sf:INVALID_ID_FIELD" in response.text


def test_deploy_options_in_any_order_and_python_style_booleans(soap: Soap) -> None:
    """simple-salesforce sends "False" and stray text; Salesforce accepts both, so do we."""
    data = ps_zip()
    body = (
        f"<m:deploy><m:ZipFile>{base64.b64encode(data).decode()}</m:ZipFile><m:DeployOptions>"
        "<m:singlePackage>True</m:singlePackage>None<m:checkOnly>False</m:checkOnly>"
        "<m:rollbackOnError>True</m:rollbackOnError></m:DeployOptions></m:deploy>"
    )
    job = text(soap.call(body), "id")
    assert text(soap.wait(job), "status") == "Succeeded"
