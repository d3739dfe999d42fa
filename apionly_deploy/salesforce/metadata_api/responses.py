"""Parse Metadata API responses into ``results`` dataclasses (envelope and faults: ``soap``).

Pure functions of the response bytes. Current (API 29+) shapes are the model; older shapes
(``messages`` directly under ``result``, ``checkStatus``, a retrieve result without ``status``)
are read as well as they can be, never rejected.
"""

from __future__ import annotations

import base64
import binascii
import copy

from lxml import etree

from apionly_deploy.errors import ServerError
from apionly_deploy.model.text import is_salesforce_id, one_line
from apionly_deploy.model.xmldoc import METADATA_NS, local_name
from apionly_deploy.salesforce.metadata_api.envelopes import XSI_NS
from apionly_deploy.salesforce.metadata_api.results import (
    AsyncResult,
    CoverageWarning,
    DeployMessage,
    DeployResult,
    DeployStatus,
    DescribeResult,
    FileProperties,
    MetadataTypeInfo,
    RetrieveMessage,
    RetrieveResult,
    RunTestsResult,
    TestFailure,
    TestSuccess,
)
from apionly_deploy.salesforce.metadata_api.soap import (
    body_of,
    child,
    children,
    flag,
    number,
    seconds,
    text,
)


def result_of(data: bytes, operation: str) -> etree._Element:
    """Return ``<operationResponse><result>`` of a response."""
    response = body_of(data, source=f"{operation} response")
    _expect(response, operation)
    result = child(response, "result")
    if result is None:
        raise ServerError(f"{operation} response has no <result> (got <{local_name(response)}>)")
    return result


def _expect(response: etree._Element, operation: str) -> None:
    if local_name(response) != f"{operation}Response":
        raise ServerError(
            f"expected a {operation}Response, got <{local_name(response)}>; is this a Metadata "
            "API endpoint?"
        )


def parse_async_result(data: bytes, operation: str = "deploy") -> AsyncResult:
    """Parse the AsyncResult of ``deploy`` / ``retrieve`` / ``checkStatus``."""
    result = result_of(data, operation)
    return AsyncResult(
        id=_required(result, "id", operation),
        done=flag(result, "done"),
        state=text(result, "state"),
        message=text(result, "message"),
        status_code=text(result, "statusCode"),
    )


def _required(element: etree._Element, name: str, operation: str) -> str:
    value = text(element, name)
    if not value:
        raise ServerError(f"{operation} response has no <{name}>")
    return _job_id(value, operation) if name == "id" else value


def _job_id(value: str, operation: str) -> str:
    """Return ``value`` when it is shaped like a Salesforce id; it reaches logs and commands."""
    if not is_salesforce_id(value):
        raise ServerError(
            f"{operation} response gave {one_line(value)[:60]!r} as a job id, which is not a "
            "Salesforce id (15 or 18 letters and digits); not trusting it"
        )
    return value


def parse_deploy_result(data: bytes) -> DeployResult:
    """Parse a ``checkDeployStatus`` response."""
    result = result_of(data, "checkDeployStatus")
    # Before API 29 the messages and test results sat directly under <result>.
    details = child(result, "details")
    holder = details if details is not None else result
    failures, successes = _deploy_messages(holder)
    tests = child(holder, "runTestResult")
    success = flag(result, "success")
    status_text = text(result, "status")
    legacy = status_text is None
    status = _status(status_text, success)
    return DeployResult(
        id=_required(result, "id", "checkDeployStatus"),
        status=status,
        done=flag(result, "done", default=legacy),
        success=success,
        check_only=flag(result, "checkOnly"),
        components_total=number(result, "numberComponentsTotal") or 0,
        components_deployed=number(result, "numberComponentsDeployed") or 0,
        component_errors=number(result, "numberComponentErrors") or 0,
        tests_total=number(result, "numberTestsTotal") or 0,
        tests_completed=number(result, "numberTestsCompleted") or 0,
        test_errors=number(result, "numberTestErrors") or 0,
        state_detail=text(result, "stateDetail"),
        error_message=text(result, "errorMessage"),
        error_status_code=text(result, "errorStatusCode"),
        canceled_by=text(result, "canceledByName"),
        created_date=text(result, "createdDate"),
        start_date=text(result, "startDate"),
        completed_date=text(result, "completedDate"),
        # Only legacy answers are known to carry details here; the client knows what it asked.
        has_details=legacy,
        component_failures=failures,
        component_successes=successes,
        test_result=_run_tests_result(tests) if tests is not None else None,
    )


def _status(value: str | None, success: bool) -> DeployStatus:
    if value is None:
        return DeployStatus.SUCCEEDED if success else DeployStatus.FAILED
    try:
        return DeployStatus(value)
    except ValueError:
        raise ServerError(f"checkDeployStatus: unknown status {value!r}") from None


def _deploy_messages(
    holder: etree._Element,
) -> tuple[tuple[DeployMessage, ...], tuple[DeployMessage, ...]]:
    failures = [_deploy_message(m) for m in children(holder, "componentFailures")]
    successes = [_deploy_message(m) for m in children(holder, "componentSuccesses")]
    for legacy in children(holder, "messages"):
        message = _deploy_message(legacy)
        (successes if message.success else failures).append(message)
    return tuple(failures), tuple(successes)


def _deploy_message(element: etree._Element) -> DeployMessage:
    return DeployMessage(
        full_name=text(element, "fullName") or "",
        component_type=text(element, "componentType") or "",
        file_name=text(element, "fileName") or "",
        success=flag(element, "success"),
        problem=text(element, "problem"),
        problem_type=text(element, "problemType"),
        line=number(element, "lineNumber"),
        column=number(element, "columnNumber"),
        changed=flag(element, "changed"),
        created=flag(element, "created"),
        deleted=flag(element, "deleted"),
    )


def _run_tests_result(element: etree._Element) -> RunTestsResult:
    failures = tuple(
        TestFailure(
            name=text(f, "name") or "",
            method_name=text(f, "methodName") or "",
            message=text(f, "message") or "",
            stack_trace=text(f, "stackTrace") or None,
            time=seconds(f, "time"),
            namespace=text(f, "namespace") or None,
        )
        for f in children(element, "failures")
    )
    successes = tuple(
        TestSuccess(
            name=text(s, "name") or "",
            method_name=text(s, "methodName") or "",
            time=seconds(s, "time"),
            namespace=text(s, "namespace") or None,
        )
        for s in children(element, "successes")
    )
    warnings = tuple(
        CoverageWarning(message=text(w, "message") or "", name=text(w, "name") or None)
        for w in children(element, "codeCoverageWarnings")
    )
    return RunTestsResult(
        num_tests_run=number(element, "numTestsRun") or 0,
        num_failures=number(element, "numFailures") or 0,
        total_time=seconds(element, "totalTime"),
        failures=failures,
        successes=successes,
        coverage_warnings=warnings,
    )


def parse_cancel_result(data: bytes) -> AsyncResult:
    """Parse a ``cancelDeploy`` response (``done`` and ``id``)."""
    result = result_of(data, "cancelDeploy")
    return AsyncResult(id=_required(result, "id", "cancelDeploy"), done=flag(result, "done"))


def parse_recent_validation(data: bytes) -> str:
    """Return the new job id from a ``deployRecentValidation`` response."""
    result = result_of(data, "deployRecentValidation")
    if not (result.text or "").strip():
        raise ServerError("deployRecentValidation response has no job id")
    return _job_id((result.text or "").strip(), "deployRecentValidation")


def parse_retrieve_result(data: bytes) -> RetrieveResult:
    """Parse a ``checkRetrieveStatus`` response, decoding the zip when present."""
    result = result_of(data, "checkRetrieveStatus")
    zip_text = text(result, "zipFile")
    try:
        zip_file = base64.b64decode(zip_text, validate=False) if zip_text else None
    except (binascii.Error, ValueError):
        raise ServerError("checkRetrieveStatus: zipFile is not base64") from None
    status = text(result, "status")
    done = flag(result, "done", default=status is None)
    success = flag(result, "success", default=status is None and zip_file is not None)
    return RetrieveResult(
        id=_required(result, "id", "checkRetrieveStatus"),
        done=done,
        status=status or ("Succeeded" if success else "Failed" if done else "InProgress"),
        success=success,
        error_message=text(result, "errorMessage"),
        error_status_code=text(result, "errorStatusCode"),
        file_properties=tuple(_file_properties(e) for e in children(result, "fileProperties")),
        messages=tuple(
            RetrieveMessage(file_name=text(m, "fileName") or "", problem=text(m, "problem") or "")
            for m in children(result, "messages")
        ),
        zip_file=zip_file,
    )


def _file_properties(element: etree._Element) -> FileProperties:
    return FileProperties(
        full_name=text(element, "fullName") or "",
        type=text(element, "type") or "",
        file_name=text(element, "fileName") or "",
        id=text(element, "id") or None,
        last_modified_date=text(element, "lastModifiedDate"),
        last_modified_by_name=text(element, "lastModifiedByName"),
        manageable_state=text(element, "manageableState"),
        namespace_prefix=text(element, "namespacePrefix") or None,
    )


def parse_list_metadata(data: bytes) -> tuple[FileProperties, ...]:
    """Parse a ``listMetadata`` response (possibly empty)."""
    response = body_of(data, source="listMetadata response")
    _expect(response, "listMetadata")
    return tuple(_file_properties(e) for e in children(response, "result"))


def parse_read_metadata(data: bytes) -> tuple[tuple[str, bytes], ...]:
    """Return ``(type, document bytes)`` per ``readMetadata`` record, rooted at the type name."""
    result = result_of(data, "readMetadata")
    records = []
    for record in children(result, "records"):
        type_name = (record.get(f"{{{XSI_NS}}}type") or "").rsplit(":", 1)[-1]
        if not type_name or text(record, "fullName") is None:
            continue  # readMetadata answers an empty record for a name that does not exist
        root = etree.Element(f"{{{METADATA_NS}}}{type_name}", nsmap={None: METADATA_NS})  # type: ignore[dict-item]
        root.extend(copy.deepcopy(c) for c in record)
        records.append((type_name, etree.tostring(root, xml_declaration=True, encoding="UTF-8")))
    return tuple(records)


def parse_describe_metadata(data: bytes) -> DescribeResult:
    """Parse a ``describeMetadata`` response."""
    result = result_of(data, "describeMetadata")
    types = tuple(
        MetadataTypeInfo(
            xml_name=text(e, "xmlName") or "",
            directory_name=text(e, "directoryName") or "",
            suffix=text(e, "suffix") or None,
            in_folder=flag(e, "inFolder"),
            meta_file=flag(e, "metaFile"),
            child_xml_names=tuple(c.text or "" for c in children(e, "childXmlNames") if c.text),
        )
        for e in children(result, "metadataObjects")
    )
    return DescribeResult(
        types=types,
        organization_namespace=text(result, "organizationNamespace") or "",
        partial_save_allowed=flag(result, "partialSaveAllowed"),
        test_required=flag(result, "testRequired"),
    )
