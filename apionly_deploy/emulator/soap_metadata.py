"""The Metadata SOAP API at /services/Soap/m/NN.0: one function per operation."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from lxml import etree

from apionly_deploy.emulator import soap_reads, zips
from apionly_deploy.emulator.deployment import DeployOptions
from apionly_deploy.emulator.deploys import JobError
from apionly_deploy.emulator.org import InvalidSession, Org
from apionly_deploy.emulator.results import DeployMessage, DeployResult
from apionly_deploy.emulator.soap import (
    SoapFault,
    SoapRequest,
    async_result,
    boolean,
    element,
    envelope,
    operation_response,
    sub,
    timestamp,
    validate_metadata_request,
)
from apionly_deploy.emulator.store import Session
from apionly_deploy.model.xmldoc import METADATA_NS

M = f"{{{METADATA_NS}}}"
Handler = Callable[[Org, Session, etree._Element], etree._Element]


def handle(org: Org, request: SoapRequest) -> bytes:
    """Answer one Metadata API call; raise SoapFault for Salesforce's faults."""
    handler = _HANDLERS.get(request.operation) if request.namespace == METADATA_NS else None
    if handler is None:
        raise SoapFault(
            "soapenv:Client",
            f"No operation available for request {{{request.namespace}}}{request.operation}",
        )
    try:
        session = org.authenticate(request.session_id)
    except InvalidSession as exc:
        raise SoapFault(
            "INVALID_SESSION_ID", f"Invalid Session ID found in SessionHeader: {exc}"
        ) from None
    validate_metadata_request(request.body)
    try:
        return envelope(handler(org, session, request.body))
    except JobError as exc:
        raise SoapFault(exc.code, exc.message) from None
    except zips.ZipProblem as exc:
        raise SoapFault(_zip_code(str(exc)), str(exc)) from None


def _zip_code(message: str) -> str:
    if "bytes, over the limit" in message:
        return "EXCEEDED_MAX_SIZE_REQUEST"
    if "over the limit" in message:
        return "LIMIT_EXCEEDED"
    return "INVALID_OPERATION"


def _text(parent: etree._Element, tag: str) -> str | None:
    found = parent.find(M + tag)
    return None if found is None else (found.text or "").strip()


# -- deploy ---------------------------------------------------------------------------------
def deploy_options(options: etree._Element) -> DeployOptions:
    """Read DeployOptions in any order; absent ones take Salesforce's defaults."""

    def flag(tag: str, default: bool) -> bool:
        return boolean(_text(options, tag), default)

    return DeployOptions(
        check_only=flag("checkOnly", False),
        rollback_on_error=flag("rollbackOnError", True),
        ignore_warnings=flag("ignoreWarnings", False),
        allow_missing_files=flag("allowMissingFiles", False),
        single_package=flag("singlePackage", True),
        purge_on_delete=flag("purgeOnDelete", False),
        test_level=_text(options, "testLevel") or None,
        run_tests=tuple((e.text or "").strip() for e in options.findall(M + "runTests")),
    )


def _deploy(org: Org, session: Session, body: etree._Element) -> etree._Element:
    try:
        data = base64.b64decode(_text(body, "ZipFile") or "", validate=False)
    except (binascii.Error, ValueError):
        raise SoapFault("soapenv:Client", "ZipFile is not valid base64") from None
    options_element = body.find(M + "DeployOptions")
    options = deploy_options(options_element if options_element is not None else element("x"))
    job_id = org.deploys.start(data, options, user_id=session.user_id)
    return async_result("deploy", job_id, "Queued")


def _check_deploy_status(org: Org, session: Session, body: etree._Element) -> etree._Element:
    job_id = _text(body, "asyncProcessId") or ""
    details = boolean(_text(body, "includeDetails"), False)
    result = org.deploys.result(job_id, user_name=_user_name(org, session.user_id))
    response = operation_response("checkDeployStatus")
    response.append(deploy_result_xml(result, include_details=details))
    return response


def _user_name(org: Org, user_id: str) -> str:
    return str(org.user(user_id).get("Name") or "")


def deploy_result_xml(result: DeployResult, *, include_details: bool) -> etree._Element:
    """Return ``<result>`` of type DeployResult, elements in the WSDL's order."""
    node = element("result")
    if result.canceled_by:
        sub(node, "canceledBy", result.canceled_by)
        sub(node, "canceledByName", result.canceled_by_name)
    sub(node, "checkOnly", result.check_only)
    if result.completed_date is not None:
        sub(node, "completedDate", timestamp(result.completed_date))
    sub(node, "createdBy", result.created_by)
    sub(node, "createdByName", result.created_by_name)
    sub(node, "createdDate", timestamp(result.created_date))
    details = sub(node, "details")
    if include_details:
        for message in result.failures:
            details.append(_message_xml("componentFailures", message))
        for message in result.successes:
            details.append(_message_xml("componentSuccesses", message))
    _run_test_result(details, result)
    sub(node, "done", result.done)
    if result.error_message:
        sub(node, "errorMessage", result.error_message)
        sub(node, "errorStatusCode", result.error_status_code)
    sub(node, "id", result.id)
    sub(node, "ignoreWarnings", result.ignore_warnings)
    sub(node, "lastModifiedDate", timestamp(result.last_modified_date))
    sub(node, "numberComponentErrors", result.number_component_errors)
    sub(node, "numberComponentsDeployed", result.number_components_deployed)
    sub(node, "numberComponentsTotal", result.number_components_total)
    sub(node, "numberTestErrors", result.number_test_errors)
    sub(node, "numberTestsCompleted", result.number_tests_completed)
    sub(node, "numberTestsTotal", result.number_tests_total)
    sub(node, "rollbackOnError", result.rollback_on_error)
    sub(node, "runTestsEnabled", result.run_tests_enabled)
    if result.start_date is not None:
        sub(node, "startDate", timestamp(result.start_date))
    if result.state_detail:
        sub(node, "stateDetail", result.state_detail)
    sub(node, "status", result.status)
    sub(node, "success", result.success)
    return node


def _run_test_result(details: etree._Element, result: DeployResult) -> None:
    tests = sub(details, "runTestResult")
    for failure in result.test_failures:
        entry = sub(tests, "failures")
        for key in (
            "id",
            "message",
            "methodName",
            "name",
            "namespace",
            "packageName",
            "stackTrace",
            "time",
            "type",
        ):
            value = failure.get(key)
            sub(entry, key, value, nil=value is None)
    sub(tests, "numFailures", len(result.test_failures))
    sub(tests, "numTestsRun", result.number_tests_completed)
    sub(tests, "totalTime", "0.0")


def _message_xml(tag: str, message: DeployMessage) -> etree._Element:
    node = element(tag)
    sub(node, "changed", message.changed)
    if message.column_number is not None:
        sub(node, "columnNumber", message.column_number)
    sub(node, "componentType", message.component_type)
    sub(node, "created", message.created)
    sub(node, "createdDate", timestamp(message.created_date))
    sub(node, "deleted", message.deleted)
    sub(node, "fileName", message.file_name)
    sub(node, "fullName", message.full_name)
    if message.id:
        sub(node, "id", message.id)
    if message.line_number is not None:
        sub(node, "lineNumber", message.line_number)
    if message.problem is not None:
        sub(node, "problem", message.problem)
        sub(node, "problemType", message.problem_type)
    sub(node, "success", message.success)
    return node


def _cancel_deploy(org: Org, session: Session, body: etree._Element) -> etree._Element:
    job_id = _text(body, "String") or _text(body, "id") or ""
    done = org.deploys.cancel(job_id, user_id=session.user_id)
    response = operation_response("cancelDeploy")
    result = sub(response, "result")
    sub(result, "done", done)
    sub(result, "id", job_id)
    return response


def _deploy_recent_validation(org: Org, session: Session, body: etree._Element) -> etree._Element:
    job_id = org.deploys.quick_deploy(_text(body, "validationId") or "", user_id=session.user_id)
    response = operation_response("deployRecentValidation")
    sub(response, "result", job_id)
    return response


_HANDLERS: dict[str, Handler] = {
    "deploy": _deploy,
    "checkDeployStatus": _check_deploy_status,
    "cancelDeploy": _cancel_deploy,
    "deployRecentValidation": _deploy_recent_validation,
    "retrieve": soap_reads.retrieve,
    "checkRetrieveStatus": soap_reads.check_retrieve_status,
    "listMetadata": soap_reads.list_metadata,
    "readMetadata": soap_reads.read_metadata,
    "describeMetadata": soap_reads.describe_metadata,
}
