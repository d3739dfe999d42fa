"""Metadata API request envelopes, built as lxml elements so every value is escaped.

Pure functions: arguments in, envelope bytes out. Element order follows the v62.0 WSDL
(``DeployOptions`` is a ``sequence``); the session id goes in the ``SessionHeader``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from apionly_deploy.model.xmldoc import METADATA_NS

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER_NS = "urn:partner.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CLIENT_NAME = "apionly-deploy"


class TestLevel(StrEnum):
    """Which Apex tests a deploy runs."""

    __test__ = False  # not a pytest test class

    NO_TEST_RUN = "NoTestRun"
    RUN_SPECIFIED_TESTS = "RunSpecifiedTests"
    RUN_LOCAL_TESTS = "RunLocalTests"
    RUN_ALL_TESTS_IN_ORG = "RunAllTestsInOrg"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployOptions:
    """Every ``DeployOptions`` field; ``test_level=None`` lets the org pick its default."""

    allow_missing_files: bool = False
    auto_update_package: bool = False
    check_only: bool = False
    ignore_warnings: bool = False
    perform_retrieve: bool = False
    purge_on_delete: bool = False
    rollback_on_error: bool = True
    run_tests: tuple[str, ...] = ()
    single_package: bool = True
    test_level: TestLevel | None = None


def _m(tag: str) -> str:
    return f"{{{METADATA_NS}}}{tag}"


def _child(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _m(tag))
    if text is not None:
        element.text = text
    return element


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _envelope(session_id: str, operation: str) -> tuple[etree._Element, etree._Element]:
    """Return (envelope, operation element) with the SessionHeader and CallOptions filled."""
    nsmap = {"soapenv": SOAP_ENV_NS, None: METADATA_NS}
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap=nsmap)  # type: ignore[arg-type]
    header = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Header")
    _child(_child(header, "SessionHeader"), "sessionId", session_id)
    _child(_child(header, "CallOptions"), "client", CLIENT_NAME)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    return envelope, _child(body, operation)


def _serialize(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def deploy_envelope(session_id: str, zip_bytes: bytes, options: DeployOptions) -> bytes:
    """Return a ``deploy`` request carrying ``zip_bytes`` (base64) and every option."""
    envelope, operation = _envelope(session_id, "deploy")
    _child(operation, "ZipFile", base64.b64encode(zip_bytes).decode("ascii"))
    opts = _child(operation, "DeployOptions")
    _child(opts, "allowMissingFiles", _bool(options.allow_missing_files))
    _child(opts, "autoUpdatePackage", _bool(options.auto_update_package))
    _child(opts, "checkOnly", _bool(options.check_only))
    _child(opts, "ignoreWarnings", _bool(options.ignore_warnings))
    _child(opts, "performRetrieve", _bool(options.perform_retrieve))
    _child(opts, "purgeOnDelete", _bool(options.purge_on_delete))
    _child(opts, "rollbackOnError", _bool(options.rollback_on_error))
    for test in options.run_tests:
        _child(opts, "runTests", test)
    _child(opts, "singlePackage", _bool(options.single_package))
    if options.test_level is not None:
        _child(opts, "testLevel", options.test_level.value)
    return _serialize(envelope)


def check_deploy_status_envelope(session_id: str, job_id: str, *, include_details: bool) -> bytes:
    """Return a ``checkDeployStatus`` request."""
    envelope, operation = _envelope(session_id, "checkDeployStatus")
    _child(operation, "asyncProcessId", job_id)
    _child(operation, "includeDetails", _bool(include_details))
    return _serialize(envelope)


def cancel_deploy_envelope(session_id: str, job_id: str) -> bytes:
    """Return a ``cancelDeploy`` request."""
    envelope, operation = _envelope(session_id, "cancelDeploy")
    _child(operation, "String", job_id)
    return _serialize(envelope)


def deploy_recent_validation_envelope(session_id: str, validation_id: str) -> bytes:
    """Return a ``deployRecentValidation`` request (quick deploy)."""
    envelope, operation = _envelope(session_id, "deployRecentValidation")
    _child(operation, "validationId", validation_id)
    return _serialize(envelope)


def retrieve_envelope(
    session_id: str, api_version: str, members: Mapping[str, Sequence[str]]
) -> bytes:
    """Return a ``retrieve`` request for ``{type: [member, ...]}`` (``*`` means all)."""
    envelope, operation = _envelope(session_id, "retrieve")
    request = _child(operation, "retrieveRequest")
    _child(request, "apiVersion", api_version)
    _child(request, "singlePackage", "true")
    unpackaged = _child(request, "unpackaged")
    for type_name in sorted(members):
        types = _child(unpackaged, "types")
        for member in sorted(members[type_name]):
            _child(types, "members", member)
        _child(types, "name", type_name)
    _child(unpackaged, "version", api_version)
    return _serialize(envelope)


def check_retrieve_status_envelope(session_id: str, job_id: str, *, include_zip: bool) -> bytes:
    """Return a ``checkRetrieveStatus`` request."""
    envelope, operation = _envelope(session_id, "checkRetrieveStatus")
    _child(operation, "asyncProcessId", job_id)
    _child(operation, "includeZip", _bool(include_zip))
    return _serialize(envelope)


def list_metadata_envelope(
    session_id: str, api_version: str, queries: Iterable[tuple[str, str | None]]
) -> bytes:
    """Return a ``listMetadata`` request for ``(type, folder)`` queries."""
    envelope, operation = _envelope(session_id, "listMetadata")
    for type_name, folder in queries:
        query = _child(operation, "queries")
        if folder is not None:
            _child(query, "folder", folder)
        _child(query, "type", type_name)
    _child(operation, "asOfVersion", api_version)
    return _serialize(envelope)


def read_metadata_envelope(session_id: str, type_name: str, full_names: Sequence[str]) -> bytes:
    """Return a ``readMetadata`` request."""
    envelope, operation = _envelope(session_id, "readMetadata")
    _child(operation, "type", type_name)
    for name in full_names:
        _child(operation, "fullNames", name)
    return _serialize(envelope)


def describe_metadata_envelope(session_id: str, api_version: str) -> bytes:
    """Return a ``describeMetadata`` request."""
    envelope, operation = _envelope(session_id, "describeMetadata")
    _child(operation, "asOfVersion", api_version)
    return _serialize(envelope)


def login_envelope(username: str, password: str) -> bytes:
    """Return a partner ``login`` request (SOAP login; being retired by Salesforce)."""
    nsmap = {"soapenv": SOAP_ENV_NS, None: PARTNER_NS}
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap=nsmap)  # type: ignore[arg-type]
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    login = etree.SubElement(body, f"{{{PARTNER_NS}}}login")
    etree.SubElement(login, f"{{{PARTNER_NS}}}username").text = username
    etree.SubElement(login, f"{{{PARTNER_NS}}}password").text = password
    return _serialize(envelope)
