"""The Metadata SOAP API at /services/Soap/m/NN.0: one function per operation."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from lxml import etree

from apionly_deploy.emulator import packages, zips
from apionly_deploy.emulator.deployment import DeployOptions
from apionly_deploy.emulator.deploys import JobError
from apionly_deploy.emulator.org import InvalidSession, Org
from apionly_deploy.emulator.results import DeployMessage, DeployResult
from apionly_deploy.emulator.retrieves import RetrieveRequest, RetrieveResult
from apionly_deploy.emulator.soap import (
    XSI,
    SoapFault,
    SoapRequest,
    boolean,
    element,
    envelope,
    sub,
    timestamp,
    validate_metadata_request,
)
from apionly_deploy.emulator.store import Session
from apionly_deploy.xmldoc import METADATA_NS, local_name, parse_bytes

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


def _response(operation: str) -> etree._Element:
    return element(f"{operation}Response")


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
    return _async_result("deploy", job_id, "Queued")


def _async_result(operation: str, job_id: str, state: str) -> etree._Element:
    response = _response(operation)
    result = sub(response, "result")
    sub(result, "done", False)
    sub(result, "id", job_id)
    sub(result, "state", state)
    return response


def _check_deploy_status(org: Org, session: Session, body: etree._Element) -> etree._Element:
    job_id = _text(body, "asyncProcessId") or ""
    details = boolean(_text(body, "includeDetails"), False)
    result = org.deploys.result(job_id, user_name=_user_name(org, session.user_id))
    response = _response("checkDeployStatus")
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
    response = _response("cancelDeploy")
    result = sub(response, "result")
    sub(result, "done", done)
    sub(result, "id", job_id)
    return response


def _deploy_recent_validation(org: Org, session: Session, body: etree._Element) -> etree._Element:
    job_id = org.deploys.quick_deploy(_text(body, "validationId") or "", user_id=session.user_id)
    response = _response("deployRecentValidation")
    sub(response, "result", job_id)
    return response


# -- retrieve -------------------------------------------------------------------------------
def _retrieve(org: Org, session: Session, body: etree._Element) -> etree._Element:
    request_node = body.find(M + "retrieveRequest")
    assert request_node is not None  # noqa: S101 - required by the schema
    unpackaged = request_node.find(M + "unpackaged")
    types: list[tuple[str, tuple[str, ...]]] = []
    if unpackaged is not None:
        for entry in unpackaged.findall(M + "types"):
            members = tuple((m.text or "").strip() for m in entry.findall(M + "members"))
            types.append((_text(entry, "name") or "", members))
    request = RetrieveRequest(
        api_version=_text(request_node, "apiVersion") or org.settings.api_version,
        single_package=boolean(_text(request_node, "singlePackage"), False),
        types=tuple(types),
        package_names=tuple(
            (e.text or "").strip() for e in request_node.findall(M + "packageNames")
        ),
        specific_files=tuple(
            (e.text or "").strip() for e in request_node.findall(M + "specificFiles")
        ),
    )
    job_id = org.retrieves.start(request, user_id=session.user_id)
    return _async_result("retrieve", job_id, "Queued")


def _check_retrieve_status(org: Org, session: Session, body: etree._Element) -> etree._Element:
    include_zip = boolean(_text(body, "includeZip"), True)
    result = org.retrieves.status(_text(body, "asyncProcessId") or "", include_zip=include_zip)
    response = _response("checkRetrieveStatus")
    response.append(_retrieve_result_xml(org, result))
    return response


def _retrieve_result_xml(org: Org, result: RetrieveResult) -> etree._Element:
    node = element("result")
    sub(node, "done", result.done)
    if result.error_message:
        sub(node, "errorMessage", result.error_message)
        sub(node, "errorStatusCode", result.error_status_code)
    user_id = result.created_by[:15]
    user_name = _user_name(org, result.created_by)
    for prop in result.files:
        _file_properties(
            node,
            "fileProperties",
            prop.file_name,
            prop.full_name,
            prop.type,
            prop.id,
            prop.created,
            prop.modified,
            user_id,
            user_name,
        )
    sub(node, "id", result.id)
    for file_name, problem in result.messages:
        message = sub(node, "messages")
        sub(message, "fileName", file_name)
        sub(message, "problem", problem)
    sub(node, "status", result.status)
    sub(node, "success", result.success)
    if result.zip_file is None:
        sub(node, "zipFile", nil=True)
    else:
        sub(node, "zipFile", result.zip_file)
    return node


def _file_properties(
    parent: etree._Element,
    tag: str,
    file_name: str,
    full_name: str,
    type_name: str,
    record_id: str,
    created: float,
    modified: float,
    user_id: str,
    user_name: str,
) -> None:
    node = sub(parent, tag)
    sub(node, "createdById", user_id)
    sub(node, "createdByName", user_name)
    sub(node, "createdDate", timestamp(created))
    sub(node, "fileName", file_name)
    sub(node, "fullName", full_name)
    sub(node, "id", record_id)
    sub(node, "lastModifiedById", user_id)
    sub(node, "lastModifiedByName", user_name)
    sub(node, "lastModifiedDate", timestamp(modified))
    sub(node, "manageableState", "unmanaged")
    sub(node, "type", type_name)


# -- list, read, describe -------------------------------------------------------------------
def _list_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    response = _response("listMetadata")
    admin = org.credentials.admin_user_id
    user_id, user_name = admin[:15], _user_name(org, admin)
    del session
    for query in body.findall(M + "queries"):
        type_name = _text(query, "type") or ""
        if type_name not in packages.TYPE_FOLDERS:
            continue
        for stored in org.store.components(type_name):
            _file_properties(
                response,
                "result",
                stored.file_name,
                stored.full_name,
                type_name,
                stored.id,
                stored.created,
                stored.modified,
                user_id,
                user_name,
            )
    return response


def _read_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    del session
    type_name = _text(body, "type") or ""
    response = _response("readMetadata")
    result = sub(response, "result")
    for full_name in body.findall(M + "fullNames"):
        name = (full_name.text or "").strip()
        stored = (
            org.store.get_component(type_name, name) if type_name in packages.TYPE_FOLDERS else None
        )
        if stored is None:
            continue
        record = sub(result, "records")
        record.set(f"{{{XSI}}}type", type_name)
        sub(record, "fullName", name)
        root = parse_bytes(stored.xml)
        for child in root:
            if isinstance(child.tag, str) and local_name(child) != "fullName":
                record.append(child)
    return response


_DESCRIBED = (
    ("Profile", False),
    ("PermissionSet", False),
    ("PermissionSetGroup", False),
    ("MutingPermissionSet", False),
    ("CustomObject", False),
    ("ApexClass", True),
    ("ApexPage", True),
    ("CustomTab", False),
    ("CustomApplication", False),
    ("CustomPermission", False),
    ("Layout", False),
)


def _describe_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    del session, body
    response = _response("describeMetadata")
    result = sub(response, "result")
    for type_name, meta_file in _DESCRIBED:
        folder, suffix = packages.TYPE_FOLDERS[type_name]
        entry = sub(result, "metadataObjects")
        if type_name == "CustomObject":
            for child in ("CustomField", "RecordType", "ListView", "ValidationRule"):
                sub(entry, "childXmlNames", child)
        sub(entry, "directoryName", folder)
        sub(entry, "inFolder", False)
        sub(entry, "metaFile", meta_file)
        sub(entry, "suffix", suffix)
        sub(entry, "xmlName", type_name)
    sub(result, "organizationNamespace", "")
    sub(result, "partialSaveAllowed", True)
    sub(result, "testRequired", not org.settings.sandbox)
    return response


_HANDLERS: dict[str, Handler] = {
    "deploy": _deploy,
    "checkDeployStatus": _check_deploy_status,
    "cancelDeploy": _cancel_deploy,
    "deployRecentValidation": _deploy_recent_validation,
    "retrieve": _retrieve,
    "checkRetrieveStatus": _check_retrieve_status,
    "listMetadata": _list_metadata,
    "readMetadata": _read_metadata,
    "describeMetadata": _describe_metadata,
}
