"""The local org refuses what a real org refuses: names it lacks, access without what it needs."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Soap, make_zip, package_xml, text, texts

NS = "http://soap.sforce.com/2006/04/metadata"


def ps(body: str) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<PermissionSet xmlns="{NS}">',
        *(f"    {line}" for line in body.splitlines()),
        "    <label>Sync</label>",
        "</PermissionSet>",
        "",
    ]
    return "\n".join(lines).encode()


def deploy(soap: Soap, files: dict[str, bytes], *types: tuple[str, list[str]]) -> object:
    names = [("PermissionSet", ["Sync"]), *types]
    return soap.wait(soap.deploy(make_zip({"package.xml": package_xml(*names), **files})))


CLASS = "<classAccesses><apexClass>ErpSync</apexClass><enabled>true</enabled></classAccesses>"


def test_a_set_naming_a_class_the_org_lacks_is_refused_with_line_and_column(soap: Soap) -> None:
    result = deploy(soap, {"permissionsets/Sync.permissionset": ps(CLASS)})
    assert texts(result, "details/componentFailures/problem") == [
        "In field: apexClass - no ApexClass named ErpSync found"
    ]
    assert texts(result, "details/componentFailures/lineNumber") == ["3"]
    assert texts(result, "details/componentFailures/columnNumber") == ["5"]
    assert texts(result, "details/componentFailures/fileName") == [
        "permissionsets/Sync.permissionset"
    ]


def test_the_class_deployed_in_the_same_package_is_there_first(soap: Soap) -> None:
    files = {
        "permissionsets/Sync.permissionset": ps(CLASS),
        "classes/ErpSync.cls": b"public class ErpSync {}\n",
    }
    result = deploy(soap, files, ("ApexClass", ["ErpSync"]))
    assert text(result, "status") == "Succeeded"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            "<flowAccesses><enabled>true</enabled><flow>Erp_Sync</flow></flowAccesses>",
            "In field: flow - no Flow named Erp_Sync found",
        ),
        (
            "<applicationVisibilities><application>Erp_Console</application>"
            "<visible>true</visible></applicationVisibilities>",
            "In field: application - no CustomApplication named Erp_Console found",
        ),
        (
            "<externalCredentialPrincipalAccesses><enabled>true</enabled>"
            "<externalCredentialPrincipal>Erp-Integration</externalCredentialPrincipal>"
            "</externalCredentialPrincipalAccesses>",
            "In field: externalCredentialPrincipal - no ExternalCredentialParameter named "
            "Erp-Integration found",
        ),
        (
            "<recordTypeVisibilities><recordType>Account.Partner</recordType>"
            "<visible>true</visible></recordTypeVisibilities>",
            "In field: recordType - no RecordType named Account.Partner found",
        ),
        (
            "<tabSettings><tab>Erp_Status</tab><visibility>Visible</visibility></tabSettings>",
            "In field: tab - no CustomTab named Erp_Status found",
        ),
    ],
)
def test_each_kind_of_missing_name_is_refused(soap: Soap, entry: str, problem: str) -> None:
    result = deploy(soap, {"permissionsets/Sync.permissionset": ps(entry)})
    assert texts(result, "details/componentFailures/problem") == [problem]


def test_standard_apps_tabs_and_objects_exist_in_every_org(soap: Soap) -> None:
    body = (
        "<applicationVisibilities><application>standard__Sales</application>"
        "<visible>true</visible></applicationVisibilities>\n"
        "<tabSettings><tab>standard-Account</tab><visibility>Visible</visibility></tabSettings>"
    )
    assert text(deploy(soap, {"permissionsets/Sync.permissionset": ps(body)}), "status") == (
        "Succeeded"
    )


def test_record_types_and_principals_come_from_their_objects_and_credentials(soap: Soap) -> None:
    body = (
        "<externalCredentialPrincipalAccesses><enabled>true</enabled>"
        "<externalCredentialPrincipal>Erp-Integration</externalCredentialPrincipal>"
        "</externalCredentialPrincipalAccesses>\n"
        "<recordTypeVisibilities><recordType>Account.Partner</recordType>"
        "<visible>true</visible></recordTypeVisibilities>"
    )
    account = (
        f'<CustomObject xmlns="{NS}"><recordTypes><fullName>Partner</fullName>'
        "<active>true</active><label>Partner</label></recordTypes></CustomObject>"
    ).encode()
    credential = (
        f'<ExternalCredential xmlns="{NS}"><authenticationProtocol>Custom</authenticationProtocol>'
        "<externalCredentialParameters><parameterName>Integration</parameterName>"
        "<parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber>"
        "</externalCredentialParameters><label>Erp</label></ExternalCredential>"
    ).encode()
    files = {
        "permissionsets/Sync.permissionset": ps(body),
        "objects/Account.object": account,
        "externalCredentials/Erp.externalCredential": credential,
    }
    result = deploy(soap, files, ("CustomObject", ["Account"]), ("ExternalCredential", ["Erp"]))
    assert text(result, "status") == "Succeeded", texts(result, "details/componentFailures/problem")


def obj(name: str, *flags: str) -> str:
    def b(flag: str) -> str:
        return "true" if flag in flags else "false"

    return (
        f"<objectPermissions><allowCreate>{b('create')}</allowCreate>"
        f"<allowDelete>{b('delete')}</allowDelete><allowEdit>{b('edit')}</allowEdit>"
        f"<allowRead>{b('read')}</allowRead><modifyAllRecords>false</modifyAllRecords>"
        f"<object>{name}</object><viewAllRecords>false</viewAllRecords></objectPermissions>"
    )


def test_access_without_what_it_needs_is_refused_as_validation_says(soap: Soap) -> None:
    """The same facts as offline validation: delete needs edit, except on a big object."""
    body = obj("Account", "read", "delete") + "\n" + obj("Archive__b", "read", "create", "delete")
    archive = f'<CustomObject xmlns="{NS}"><label>Archive</label></CustomObject>'.encode()
    files = {"permissionsets/Sync.permissionset": ps(body), "objects/Archive__b.object": archive}
    result = deploy(soap, files, ("CustomObject", ["Archive__b"]))
    assert texts(result, "details/componentFailures/problem") == [
        "Permission Delete on Account depends on permission(s): Edit"
    ]


def test_a_field_editable_but_not_readable_is_refused(soap: Soap) -> None:
    body = (
        "<fieldPermissions><editable>true</editable><field>Account.Phone</field>"
        "<readable>false</readable></fieldPermissions>"
    )
    result = deploy(soap, {"permissionsets/Sync.permissionset": ps(body)})
    assert texts(result, "details/componentFailures/problem") == [
        "In field: readable - Account.Phone cannot be editable without being readable"
    ]
