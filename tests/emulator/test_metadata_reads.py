"""Retrieve, listMetadata, readMetadata, describeMetadata, and response shapes vs recordings."""

from __future__ import annotations

import pytest
from lxml import etree

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.model.xmldoc import local_name, parse_bytes, parse_file
from tests.emulator.conftest import (
    FIXTURES,
    NS,
    Soap,
    make_zip,
    package_xml,
    ps_zip,
    retrieve,
    retrieved_files,
    text,
    texts,
)


def test_retrieve_returns_deployed_sets_and_reports_missing_ones(soap: Soap) -> None:
    soap.wait(soap.deploy(ps_zip()))
    result = retrieve(
        soap,
        "<m:types><m:members>ERP_Integration</m:members>"
        "<m:members>Ghost</m:members><m:name>PermissionSet</m:name></m:types>",
    )
    assert (text(result, "status"), text(result, "success")) == ("Succeeded", "true")
    assert texts(result, "messages/problem") == [
        "Entity of type 'PermissionSet' named 'Ghost' cannot be found"
    ]
    files = retrieved_files(result)
    assert sorted(files) == [
        "unpackaged/package.xml",
        "unpackaged/permissionsets/ERP_Integration.permissionset",
    ]
    assert (
        b"<name>ApiEnabled</name>"
        in files["unpackaged/permissionsets/ERP_Integration.permissionset"]
    )
    assert texts(result, "fileProperties/type") == ["Package", "PermissionSet"]


def test_retrieved_profile_holds_only_entries_for_retrieved_objects(soap: Soap) -> None:
    name = "Minimum Access - API Only Integrations"
    profile = (
        b'<Profile xmlns="http://soap.sforce.com/2006/04/metadata">'
        b"<objectPermissions><allowRead>true</allowRead><object>Account</object>"
        b"</objectPermissions><objectPermissions><allowRead>true</allowRead>"
        b"<object>Contact</object></objectPermissions></Profile>"
    )
    soap.wait(
        soap.deploy(
            make_zip(
                {
                    "package.xml": package_xml(("Profile", [name])),
                    f"profiles/{name}.profile": profile,
                }
            )
        )
    )
    result = retrieve(
        soap,
        f"<m:types><m:members>{name}</m:members><m:name>Profile</m:name>"
        "</m:types><m:types><m:members>Account</m:members>"
        "<m:name>CustomObject</m:name></m:types>",
        single=True,
    )
    xml = retrieved_files(result)[f"profiles/{name}.profile"]
    assert b"<object>Account</object>" in xml
    assert b"<object>Contact</object>" not in xml
    assert b"<name>ApiUserOnly</name>" in xml


def test_retrieve_of_unknown_package_fails_like_the_recording(soap: Soap) -> None:
    job = text(
        soap.call(
            "<m:retrieve><m:retrieveRequest><m:apiVersion>62.0</m:apiVersion>"
            "<m:packageNames>Abacus</m:packageNames></m:retrieveRequest></m:retrieve>"
        ),
        "id",
    )
    ours = soap.call(
        f"<m:checkRetrieveStatus><m:asyncProcessId>{job}</m:asyncProcessId></m:checkRetrieveStatus>"
    )
    recorded = _result(FIXTURES / "soap/checkRetrieveStatus-Failed-INVALID_CROSS_REFERENCE_KEY.xml")
    assert _tags(ours) == _tags(recorded)
    assert text(ours, "errorMessage") == text(recorded, "errorMessage")


def test_list_and_read_metadata(emulator: EmulatorInfo, soap: Soap) -> None:
    soap.wait(soap.deploy(ps_zip()))
    listed = _reply(
        soap,
        "<m:listMetadata><m:queries><m:type>PermissionSet</m:type></m:queries>"
        "<m:asOfVersion>62.0</m:asOfVersion></m:listMetadata>",
    )
    assert texts(listed, "result/fullName") == ["ERP_Integration"]
    assert texts(listed, "result/fileName") == ["permissionsets/ERP_Integration.permissionset"]
    recorded = _body(FIXTURES / "soap/listMetadata-response-CustomObject.xml")
    ours_tags = [local_name(e) for e in listed.find("m:result", NS)]
    theirs = [local_name(e) for e in recorded.find("m:result", NS)]
    assert [t for t in ours_tags if t != "manageableState"] == [
        t for t in theirs if t != "namespacePrefix"
    ]
    read = soap.call(
        "<m:readMetadata><m:type>PermissionSet</m:type>"
        "<m:fullNames>ERP_Integration</m:fullNames></m:readMetadata>"
    )
    record = read.find("m:records", NS)
    assert record is not None
    assert record.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "PermissionSet"
    assert text(record, "label") == "ERP Integration"
    profiles = _reply(
        soap, "<m:listMetadata><m:queries><m:type>Profile</m:type></m:queries></m:listMetadata>"
    )
    assert "Minimum Access - API Only Integrations" in texts(profiles, "result/fullName")


def test_describe_metadata_lists_the_permission_types(soap: Soap) -> None:
    result = soap.call(
        "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"
    )
    names = texts(result, "metadataObjects/xmlName")
    assert {"Profile", "PermissionSet", "PermissionSetGroup", "MutingPermissionSet"} <= set(names)
    recorded = _result(FIXTURES / "soap/describeMetadata-response.cumulusci.xml")
    assert _tags(result)[-3:] == _tags(recorded)[-3:]


def _reply(soap: Soap, body: str) -> etree._Element:
    return parse_bytes(soap.raw(body).content).find("soapenv:Body", NS)[0]


def _body(path: object) -> etree._Element:
    root = parse_file(path)  # type: ignore[arg-type]
    return root.find("soapenv:Body", NS)[0]


def _result(path: object) -> etree._Element:
    found = _body(path).find("m:result", NS)
    assert found is not None
    return found


def _tags(element: etree._Element) -> list[str]:
    return list(dict.fromkeys(local_name(e) for e in element if isinstance(e.tag, str)))


@pytest.mark.parametrize(
    ("sample", "outcome"),
    [
        ("checkDeployStatus-Succeeded-componentSuccesses.xml", "ok"),
        ("checkDeployStatus-Failed-componentFailures-no-package-xml.xml", "fail"),
        ("checkDeployStatus-InProgress.xml", "progress"),
    ],
)
def test_check_deploy_status_has_the_recorded_element_order(
    emulator: EmulatorInfo, soap: Soap, sample: str, outcome: str
) -> None:
    """Our DeployResult lists the same elements in the same order as a real org's."""
    emulator.configure(deploy_polls=3)
    data = ps_zip() if outcome != "fail" else make_zip({"x.txt": b"x"})
    job = soap.deploy(data)
    ours = soap.status(job) if outcome == "progress" else soap.wait(job)
    recorded = _result(FIXTURES / "soap" / sample)
    assert _tags(ours) == _tags(recorded)
    for kind in ("componentSuccesses", "componentFailures"):
        theirs = recorded.find(f"m:details/m:{kind}", NS)
        mine = ours.find(f"m:details/m:{kind}", NS)
        if theirs is not None and mine is not None:
            assert [t for t in _tags(mine) if t != "id"] == _tags(theirs)
    raw = soap.raw(
        f"<m:checkDeployStatus><m:asyncProcessId>{job}</m:asyncProcessId></m:checkDeployStatus>"
    )
    assert raw.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert raw.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope')
    assert parse_bytes(raw.content) is not None
