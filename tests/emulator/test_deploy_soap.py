"""Metadata SOAP deploys over real HTTPS: outcomes, timing, checkOnly, quick deploy, cancel."""

from __future__ import annotations

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import (
    Soap,
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
