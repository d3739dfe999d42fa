"""Metadata API envelopes and response parsing, on recorded real responses (no network)."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from apionly_deploy.errors import (
    ApionlyError,
    AuthError,
    RequestLimitExceeded,
    RequestRefused,
    ServerError,
    SessionExpired,
    SoapFault,
    UnknownJobError,
)
from apionly_deploy.salesforce.metadata_api import (
    DeployOptions,
    DeployStatus,
    TestLevel,
    envelopes,
    soap,
)
from apionly_deploy.salesforce.metadata_api import responses as r
from apionly_deploy.salesforce.metadata_api.client import check_url, is_loopback

SOAP = Path(__file__).parent / "fixtures" / "soap"
M = "{http://soap.sforce.com/2006/04/metadata}"


def sample(name: str) -> bytes:
    return (SOAP / name).read_bytes()


def body(envelope: bytes) -> etree._Element:
    root = etree.fromstring(envelope)
    return root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]


def fault(code: str, message: str, *, detail_code: str | None = None) -> bytes:
    detail = (
        f"<detail><sf:UnexpectedErrorFault><sf:exceptionCode>{detail_code}</sf:exceptionCode>"
        "</sf:UnexpectedErrorFault></detail>"
        if detail_code
        else ""
    )
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>{code}</faultcode><faultstring>{message}</faultstring>{detail}"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


# --- envelopes ------------------------------------------------------------------------------


def test_deploy_envelope_has_every_option_in_wsdl_order():
    """DeployOptions follow the WSDL sequence; runTests sit before singlePackage."""
    options = DeployOptions(
        check_only=True,
        run_tests=("ATest", "BTest"),
        test_level=TestLevel.RUN_SPECIFIED_TESTS,
        purge_on_delete=True,
    )
    op = body(envelopes.deploy_envelope("SID", b"PK\x03\x04zip", options))
    assert op.tag == f"{M}deploy"
    assert base64.b64decode(op.findtext(f"{M}ZipFile")) == b"PK\x03\x04zip"
    opts = op.find(f"{M}DeployOptions")
    tags = [etree.QName(e).localname for e in opts]
    assert tags == [
        "allowMissingFiles",
        "autoUpdatePackage",
        "checkOnly",
        "ignoreWarnings",
        "performRetrieve",
        "purgeOnDelete",
        "rollbackOnError",
        "runTests",
        "runTests",
        "singlePackage",
        "testLevel",
    ]
    assert opts.findtext(f"{M}checkOnly") == "true"
    assert opts.findtext(f"{M}purgeOnDelete") == "true"
    assert opts.findtext(f"{M}rollbackOnError") == "true"
    assert opts.findtext(f"{M}testLevel") == "RunSpecifiedTests"


def test_deploy_envelope_leaves_test_level_to_the_org_by_default():
    """Without a test level the org picks (NoTestRun is refused by production orgs)."""
    op = body(envelopes.deploy_envelope("SID", b"z", DeployOptions()))
    assert op.find(f"{M}DeployOptions/{M}testLevel") is None


def test_session_id_is_escaped_not_interpolated():
    """A hostile session id cannot inject XML: lxml escapes it."""
    data = envelopes.check_deploy_status_envelope("</sessionId><x>&", "0Af", include_details=False)
    root = etree.fromstring(data)
    assert root.findtext(f".//{M}sessionId") == "</sessionId><x>&"
    assert root.find(f".//{M}x") is None


@pytest.mark.parametrize(
    ("envelope", "operation", "children"),
    [
        (
            envelopes.check_deploy_status_envelope("s", "0Af1", include_details=True),
            "checkDeployStatus",
            {"asyncProcessId": "0Af1", "includeDetails": "true"},
        ),
        (envelopes.cancel_deploy_envelope("s", "0Af2"), "cancelDeploy", {"String": "0Af2"}),
        (
            envelopes.deploy_recent_validation_envelope("s", "0Af3"),
            "deployRecentValidation",
            {"validationId": "0Af3"},
        ),
        (
            envelopes.check_retrieve_status_envelope("s", "09S1", include_zip=True),
            "checkRetrieveStatus",
            {"asyncProcessId": "09S1", "includeZip": "true"},
        ),
        (
            envelopes.read_metadata_envelope("s", "PermissionSet", ["A"]),
            "readMetadata",
            {"type": "PermissionSet", "fullNames": "A"},
        ),
        (
            envelopes.describe_metadata_envelope("s", "62.0"),
            "describeMetadata",
            {"asOfVersion": "62.0"},
        ),
    ],
)
def test_operation_envelopes(envelope, operation, children):
    """Each operation carries its arguments, and the session in the SessionHeader."""
    root = etree.fromstring(envelope)
    assert root.findtext(f".//{M}SessionHeader/{M}sessionId") == "s"
    op = body(envelope)
    assert etree.QName(op).localname == operation
    assert {etree.QName(c).localname: c.text for c in op} == children


def test_retrieve_envelope_lists_types_and_members_sorted():
    op = body(
        envelopes.retrieve_envelope("s", "62.0", {"Profile": ["b", "a"], "PermissionSet": ["*"]})
    )
    request = op.find(f"{M}retrieveRequest")
    assert request.findtext(f"{M}apiVersion") == "62.0"
    types = request.findall(f"{M}unpackaged/{M}types")
    assert [
        (t.findtext(f"{M}name"), [m.text for m in t.findall(f"{M}members")]) for t in types
    ] == [
        ("PermissionSet", ["*"]),
        ("Profile", ["a", "b"]),
    ]


def test_list_metadata_envelope():
    op = body(envelopes.list_metadata_envelope("s", "62.0", [("PermissionSet", None)]))
    assert op.findtext(f"{M}queries/{M}type") == "PermissionSet"
    assert op.find(f"{M}queries/{M}folder") is None
    assert op.findtext(f"{M}asOfVersion") == "62.0"


# --- recorded responses -------------------------------------------------------------------------


def test_in_progress_deploy():
    result = r.parse_deploy_result(sample("checkDeployStatus-InProgress.xml"))
    assert result.status is DeployStatus.IN_PROGRESS
    assert not result.done and not result.status.final
    assert (result.components_deployed, result.components_total) == (2, 3)


def test_pending_deploy():
    result = r.parse_deploy_result(sample("checkDeployStatus-Pending.xml"))
    assert result.status is DeployStatus.PENDING and result.check_only


def test_succeeded_deploy_with_component_successes():
    result = r.parse_deploy_result(sample("checkDeployStatus-Succeeded-componentSuccesses.xml"))
    assert result.success and result.done and result.status is DeployStatus.SUCCEEDED
    names = [m.full_name for m in result.component_successes]
    assert names == ["Apex", "Chatter", "package.xml", "LightningExperience", "Language"]
    assert result.component_successes[0].file_name == "shape/settings/Apex.settings"
    assert result.component_successes[0].component_type == "ApexSettings"
    assert result.test_result is not None and result.test_result.num_tests_run == 0


def test_failed_deploy_with_component_failures():
    result = r.parse_deploy_result(
        sample("checkDeployStatus-Failed-componentFailures-no-package-xml.xml")
    )
    assert result.status is DeployStatus.FAILED and not result.success
    (failure,) = result.component_failures
    assert (failure.file_name, failure.problem, failure.problem_type) == (
        "package.xml",
        "No package.xml found",
        "Error",
    )
    assert failure.line is None and failure.column is None


@pytest.mark.parametrize(
    ("name", "success", "failures", "successes"),
    [
        ("legacy/checkDeployStatus-Succeeded.legacy-pre29.xml", True, 0, 2),
        ("legacy/checkDeployStatus-Failed-no-package-xml.legacy-pre29.xml", False, 1, 0),
    ],
)
def test_legacy_deploy_results_read_messages_under_result(name, success, failures, successes):
    """Before API 29 messages sat directly under <result> and there was no status."""
    result = r.parse_deploy_result(sample(name))
    assert result.done and result.success is success and result.has_details
    assert result.status is (DeployStatus.SUCCEEDED if success else DeployStatus.FAILED)
    assert (len(result.component_failures), len(result.component_successes)) == (
        failures,
        successes,
    )


@pytest.mark.parametrize(
    ("name", "operation", "job_id", "done", "state"),
    [
        ("deployResponse-Queued.xml", "deploy", "0Af3B00001CMyfASAT", False, "Queued"),
        ("retrieveResponse-InProgress.xml", "retrieve", "04sU0000000WkdIIAS", False, "InProgress"),
        (
            "legacy/deployResponse-InProgress.legacy-pre29.xml",
            "deploy",
            "04sU0000000WNWoIAO",
            False,
            "InProgress",
        ),
        (
            "legacy/checkStatus-done.legacy.xml",
            "checkStatus",
            "04sU0000000WNWoIAO",
            True,
            "Completed",
        ),
        (
            "legacy/checkStatus-not-done.legacy.xml",
            "checkStatus",
            "04sU0000000WNWoIAo",
            False,
            "Completed",
        ),
    ],
)
def test_async_results(name, operation, job_id, done, state):
    result = r.parse_async_result(sample(name), operation)
    assert (result.id, result.done, result.state) == (job_id, done, state)


def test_retrieve_succeeded_with_zip_and_messages():
    result = r.parse_retrieve_result(sample("checkRetrieveStatus-Succeeded-messages-zipFile.xml"))
    assert result.done and result.success and result.status == "Succeeded"
    assert result.zip_file is not None
    assert zipfile.ZipFile(io.BytesIO(result.zip_file)).namelist()
    assert "cannot be found" in result.messages[0].problem
    assert result.file_properties[0].type == "Package"


def test_retrieve_failed_with_error_message():
    result = r.parse_retrieve_result(
        sample("checkRetrieveStatus-Failed-INVALID_CROSS_REFERENCE_KEY.xml")
    )
    assert result.done and not result.success and result.status == "Failed"
    assert result.error_message == "INVALID_CROSS_REFERENCE_KEY: No package named 'Abacus' found"
    assert result.zip_file is None


def test_retrieve_without_status_is_read_gracefully():
    result = r.parse_retrieve_result(sample("checkRetrieveStatus-messages-entity-not-found.xml"))
    assert result.done and len(result.messages) == 3
    assert result.file_properties[0].full_name == "CustomLabels"


def test_legacy_retrieve_with_zip_counts_as_succeeded():
    result = r.parse_retrieve_result(sample("legacy/checkRetrieveStatus-zipFile.legacy.xml"))
    assert result.done and result.success and result.zip_file
    assert [p.full_name for p in result.file_properties] == ["TestClass", "package.xml"]


def test_list_metadata():
    found = r.parse_list_metadata(sample("listMetadata-response-CustomObject.xml"))
    assert [(p.full_name, p.type) for p in found] == [
        ("ContractContactRole", "CustomObject"),
        ("Site", "CustomObject"),
    ]
    assert found[0].id is None and found[0].namespace_prefix is None
    assert r.parse_list_metadata(sample("listMetadata-response-empty.xml")) == ()


@pytest.mark.parametrize(
    "name", ["describeMetadata-response.cumulusci.xml", "describeMetadata-response.metaforce.xml"]
)
def test_describe_metadata(name):
    described = r.parse_describe_metadata(sample(name))
    assert described.types and all(t.xml_name and t.directory_name for t in described.types)


def test_describe_metadata_lists_permission_types():
    described = r.parse_describe_metadata(sample("describeMetadata-response.metaforce.xml"))
    names = {t.xml_name for t in described.types}
    assert {"Profile", "PermissionSet"} <= names


@pytest.mark.parametrize(
    "name",
    [
        "fault-INVALID_SESSION_ID.cumulusci.xml",
        "fault-INVALID_SESSION_ID.partner-ns.xml",
        "fault-INVALID_SESSION_ID.metadata-ns.jsforce-test.xml",
    ],
)
def test_invalid_session_faults_mean_session_expired(name):
    with pytest.raises(SessionExpired, match="Illegal Session"):
        r.parse_deploy_result(sample(name))


@pytest.mark.parametrize(
    "name",
    ["login-fault-INVALID_LOGIN.partner.xml", "login-fault-INVALID_LOGIN.simple-salesforce.xml"],
)
def test_login_faults_are_auth_errors(name):
    with pytest.raises(AuthError, match="INVALID_LOGIN"):
        soap.body_of(sample(name))


def test_every_recorded_xml_sample_is_handled_without_a_traceback():
    """Each XML sample either parses with some parser or raises a one-line ApionlyError."""
    parsers = [
        r.parse_deploy_result,
        r.parse_retrieve_result,
        r.parse_list_metadata,
        r.parse_describe_metadata,
        lambda d: r.parse_async_result(d, "deploy"),
        lambda d: r.parse_async_result(d, "retrieve"),
        lambda d: r.parse_async_result(d, "checkStatus"),
    ]
    files = sorted(p for p in SOAP.rglob("*.xml") if not p.name.startswith("login-response"))
    assert len(files) >= 23
    for path in files:
        outcomes = []
        for parse in parsers:
            try:
                parse(path.read_bytes())
                outcomes.append("ok")
            except ApionlyError as exc:
                assert "\n" not in str(exc)
                outcomes.append(type(exc).__name__)
        is_fault = "fault" in path.name
        assert ("ok" in outcomes) is not is_fault, (path.name, outcomes)


# --- faults and bad answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "detail", "error"),
    [
        ("sf:REQUEST_LIMIT_EXCEEDED", None, RequestLimitExceeded),
        ("sf:INVALID_CROSS_REFERENCE_KEY", None, UnknownJobError),
        ("soapenv:Client", "INVALID_ID_FIELD", UnknownJobError),
        ("sf:INVALID_LOGIN", None, AuthError),
        ("sf:INVALID_OPERATION", None, RequestRefused),
        ("sf:UNKNOWN_EXCEPTION", None, SoapFault),
    ],
)
def test_faults_map_to_typed_errors(code, detail, error):
    with pytest.raises(error):
        r.parse_deploy_result(fault(code, "boom", detail_code=detail))


def test_refused_request_is_a_content_failure_not_a_retry():
    with pytest.raises(RequestRefused) as info:
        r.parse_async_result(fault("sf:INVALID_OPERATION", "testLevel of NoTestRun cannot be used"))
    assert info.value.exit_code == 1 and str(info.value).startswith("INVALID_OPERATION: testLevel")


def test_unknown_job_is_a_usage_error():
    with pytest.raises(UnknownJobError) as info:
        r.parse_deploy_result(fault("sf:INVALID_ID_FIELD", "invalid id: 0Af000000000000AAA"))
    assert info.value.exit_code == 2 and "check the job id" in str(info.value)


@pytest.mark.parametrize(
    "data",
    [b"<html><body>502 Bad Gateway</body></html>", b"not xml at all", b"", b'{"json": true}'],
)
def test_non_soap_answers_are_server_errors(data):
    with pytest.raises(ServerError):
        r.parse_deploy_result(data)


def test_wrong_operation_response_is_refused():
    with pytest.raises(ServerError, match="expected a checkDeployStatusResponse"):
        r.parse_deploy_result(sample("retrieveResponse-InProgress.xml"))


def test_hostile_xml_is_refused_without_expanding_entities():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        b"<soapenv:Body><x>&lol2;</x></soapenv:Body></soapenv:Envelope>"
    )
    with pytest.raises(ServerError, match="DOCTYPE"):
        soap.body_of(bomb)


def test_read_metadata_records_become_documents():
    data = (
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns="http://soap.sforce.com/2006/04/metadata" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        b"<readMetadataResponse><result>"
        b'<records xsi:type="PermissionSet"><fullName>ERP</fullName><label>ERP</label></records>'
        b'<records xsi:type="PermissionSet"/>'
        b"</result></readMetadataResponse></soapenv:Body></soapenv:Envelope>"
    )
    ((type_name, document),) = r.parse_read_metadata(data)
    assert type_name == "PermissionSet"
    root = etree.fromstring(document)
    assert root.tag == f"{M}PermissionSet" and root.findtext(f"{M}label") == "ERP"


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "[::1]", "127.0.0.2"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "localhost.evil.example"])
def test_non_loopback_hosts(host):
    assert not is_loopback(host)


def test_plain_http_only_to_loopback():
    assert check_url("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"
    with pytest.raises(ApionlyError, match="only https"):
        check_url("http://acme.my.salesforce.com")
    with pytest.raises(ApionlyError, match="not an https"):
        check_url("ftp://acme.example")
