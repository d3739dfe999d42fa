"""Hostile and broken requests get Salesforce's faults; the org keeps serving, unchanged."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import (
    METADATA_NS,
    SOAPENV,
    Soap,
    deploy_body,
    make_zip,
    package_xml,
    permission_set,
    ps_zip,
    text,
)

DESCRIBE = "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"


def _post(soap: Soap, data: bytes) -> tuple[int, str]:
    response = soap.session.post(soap.url, data=data, headers={"Content-Type": "text/xml"})
    return response.status_code, response.text


def _assert_unchanged(emulator: EmulatorInfo, soap: Soap) -> None:
    assert soap.raw(DESCRIBE).status_code == 200
    assert emulator.org.store.components("PermissionSet") == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"<soapenv:Envelope", "<faultcode>soapenv:Client</faultcode>"),
        (b"not xml at all", "<faultcode>soapenv:Client</faultcode>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            b"<soapenv:Body>&e;</soapenv:Body></soapenv:Envelope>",
            "DOCTYPE",
        ),
        (b'<Envelope xmlns="urn:wrong"><Body/></Envelope>', "soapenv:VersionMismatch"),
    ],
)
def test_malformed_envelopes(
    emulator: EmulatorInfo, soap: Soap, payload: bytes, fragment: str
) -> None:
    status, body = _post(soap, payload)
    assert status == 500
    assert fragment in body
    assert "root:" not in body
    _assert_unchanged(emulator, soap)


def test_unknown_operation_and_wrong_namespace(emulator: EmulatorInfo, soap: Soap) -> None:
    unknown = soap.raw("<m:frobnicate/>")
    assert f"No operation available for request {{{METADATA_NS}}}frobnicate" in unknown.text
    wrong = soap.session.post(
        soap.url,
        data=(
            f'<soapenv:Envelope xmlns:soapenv="{SOAPENV}"><soapenv:Body>'
            '<deploy xmlns="urn:partner.soap.sforce.com"/></soapenv:Body></soapenv:Envelope>'
        ).encode(),
    )
    assert "No operation available for request {urn:partner.soap.sforce.com}deploy" in wrong.text
    _assert_unchanged(emulator, soap)


def test_schema_violations_are_client_faults(emulator: EmulatorInfo, soap: Soap) -> None:
    extra = soap.raw(DESCRIBE.replace("</m:describeMetadata>", "<m:bogus/></m:describeMetadata>"))
    assert extra.status_code == 500
    assert f"Element {{{METADATA_NS}}}bogus invalid at this location" in extra.text
    bad_level = soap.raw(deploy_body(ps_zip(), testLevel="RunEverything"))
    assert "<faultcode>soapenv:Client</faultcode>" in bad_level.text
    _assert_unchanged(emulator, soap)


def _zip_fault(soap: Soap, data: bytes) -> str:
    body = soap.raw(deploy_body(data))
    assert body.status_code == 500, body.text
    return body.text


def test_zip_with_path_escaping_the_root(emulator: EmulatorInfo, soap: Soap) -> None:
    data = make_zip(
        {
            "package.xml": package_xml(("PermissionSet", ["*"])),
            "../permissionsets/Evil.permissionset": permission_set(),
        }
    )
    assert "entry outside its root" in _zip_fault(soap, data)
    _assert_unchanged(emulator, soap)


def test_zip_limits(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.configure(max_zip_bytes=2000, max_unzipped_bytes=50_000, max_files=3)
    many = make_zip({f"f{i}.txt": b"x" for i in range(4)})
    assert "sf:LIMIT_EXCEEDED" in _zip_fault(soap, many)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.xml", b" " * 200_000)
    assert "unzips to more than" in _zip_fault(soap, bomb.getvalue())
    big = make_zip({"package.xml": os.urandom(5000)})
    assert "sf:EXCEEDED_MAX_SIZE_REQUEST" in _zip_fault(soap, big)
    _assert_unchanged(emulator, soap)


def test_not_a_zip(emulator: EmulatorInfo, soap: Soap) -> None:
    assert "not a valid zip" in _zip_fault(soap, b"PK\x03\x04 garbage")
    _assert_unchanged(emulator, soap)


def test_oversized_request_is_refused(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.configure(max_request_bytes=10_000)
    response = soap.raw(deploy_body(ps_zip() + b"\0" * 20_000))
    assert response.status_code == 413
    emulator.configure(max_request_bytes=50 * 1024 * 1024)
    _assert_unchanged(emulator, soap)


def test_component_with_entities_or_bad_xml_fails_with_line_and_column(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    hostile = (
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n'
        b'<PermissionSet xmlns="' + METADATA_NS.encode() + b'"><label>&e;</label>'
        b"</PermissionSet>"
    )
    result = soap.wait(soap.deploy(ps_zip(xml=hostile)))
    assert text(result, "status") == "Failed"
    problem = text(result, "details/componentFailures/problem")
    assert problem.startswith("Error parsing file:")
    broken = soap.wait(soap.deploy(ps_zip(xml=b"<PermissionSet>\n  <label>x</lab>\n")))
    assert text(broken, "details/componentFailures/lineNumber") == "2"
    _assert_unchanged(emulator, soap)


def test_base64_garbage(emulator: EmulatorInfo, soap: Soap) -> None:
    body = deploy_body(b"").replace("<m:ZipFile></m:ZipFile>", "<m:ZipFile>!!!</m:ZipFile>")
    assert soap.raw(body).status_code == 500

    _assert_unchanged(emulator, soap)
