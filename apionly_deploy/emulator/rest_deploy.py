"""The Metadata REST API deploy: /services/data/vNN.0/metadata/deployRequest[/<id>]."""

from __future__ import annotations

import datetime as dt
import json
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any

from apionly_deploy.emulator import zips
from apionly_deploy.emulator.deployment import DeployOptions
from apionly_deploy.emulator.deploys import JobError
from apionly_deploy.emulator.http import Request, Response, json_response, rest_error
from apionly_deploy.emulator.org import Org
from apionly_deploy.emulator.results import DeployMessage, DeployResult
from apionly_deploy.emulator.store import Session


def handle(org: Org, request: Request, rest: list[str], session: Session) -> Response:
    try:
        if not rest and request.method == "POST":
            return _start(org, request, session)
        if len(rest) == 1 and request.method == "GET":
            include = (request.param("includeDetails") or "").lower() == "true"
            return _report(org, rest[0], session, include, status=200)
        if len(rest) == 1 and request.method == "PATCH":
            org.deploys.cancel(rest[0], user_id=session.user_id)
            return _report(org, rest[0], session, False, status=202, poll=False)
        if len(rest) == 1 and request.method == "POST":
            job_id = org.deploys.quick_deploy(rest[0], user_id=session.user_id)
            return _report(org, job_id, session, False, status=201, poll=False)
    except JobError as exc:
        status = 404 if exc.code == "INVALID_CROSS_REFERENCE_KEY" else 400
        return rest_error(status, exc.code, exc.message)
    except zips.ZipProblem as exc:
        return rest_error(400, "INVALID_OPERATION", str(exc))
    return rest_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed.")


def _start(org: Org, request: Request, session: Session) -> Response:
    content_type = request.header("content-type") or ""
    if content_type.startswith("application/json"):
        body = json.loads(request.body or b"{}")
        validation = body.get("validatedDeployRequestId") if isinstance(body, dict) else None
        if not validation:
            return rest_error(400, "INVALID_OPERATION", "validatedDeployRequestId is required")
        job_id = org.deploys.quick_deploy(str(validation), user_id=session.user_id)
        return _report(org, job_id, session, False, status=201, poll=False)
    parts = _multipart(content_type, request.body)
    zip_data = next((p.get_payload(decode=True) for p in parts if _name(p) == "file"), None)
    entity = next(
        (p.get_payload(decode=True) for p in parts if _name(p) in ("entity_content", "json")), None
    )
    if not isinstance(zip_data, bytes):
        return rest_error(400, "INVALID_OPERATION", "The request has no 'file' part with a zip")
    options = _options(json.loads(entity) if isinstance(entity, bytes) else {})
    job_id = org.deploys.start(zip_data, options, user_id=session.user_id)
    return _report(org, job_id, session, False, status=201, poll=False)


def _multipart(content_type: str, body: bytes) -> list[Message]:
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        return []
    return list(message.iter_parts())


def _name(part: Message) -> str | None:
    return part.get_param("name", header="content-disposition")  # type: ignore[return-value]


def _options(entity: Any) -> DeployOptions:
    raw = entity.get("deployOptions", {}) if isinstance(entity, dict) else {}
    return DeployOptions(
        check_only=bool(raw.get("checkOnly", False)),
        rollback_on_error=bool(raw.get("rollbackOnError", True)),
        ignore_warnings=bool(raw.get("ignoreWarnings", False)),
        allow_missing_files=bool(raw.get("allowMissingFiles", False)),
        single_package=bool(raw.get("singlePackage", True)),
        purge_on_delete=bool(raw.get("purgeOnDelete", False)),
        test_level=raw.get("testLevel") or None,
        run_tests=tuple(raw.get("runTests") or ()),
    )


def _report(
    org: Org, job_id: str, session: Session, include: bool, *, status: int, poll: bool = True
) -> Response:
    state, _ = org.deploys.status(job_id, poll=False)
    user_name = str(org.user(session.user_id).get("Name") or "")
    result = org.deploys.result(job_id, poll=poll, user_name=user_name)
    return json_response(
        status,
        {
            "id": result.id,
            "validatedDeployRequestId": state.get("validation_of"),
            "deployOptions": _options_json(state["options"]),
            "deployResult": result_json(result, include_details=include),
        },
    )


def _options_json(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "allowMissingFiles": options["allow_missing_files"],
        "autoUpdatePackage": False,
        "checkOnly": options["check_only"],
        "ignoreWarnings": options["ignore_warnings"],
        "performRetrieve": False,
        "purgeOnDelete": options["purge_on_delete"],
        "rollbackOnError": options["rollback_on_error"],
        "runTests": options["run_tests"],
        "singlePackage": options["single_package"],
        "testLevel": options["test_level"] or "NoTestRun",
    }


def _date(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _message(message: DeployMessage) -> dict[str, Any]:
    return {
        "changed": message.changed,
        "columnNumber": message.column_number,
        "componentType": message.component_type,
        "created": message.created,
        "createdDate": _date(message.created_date),
        "deleted": message.deleted,
        "fileName": message.file_name,
        "fullName": message.full_name,
        "id": message.id,
        "lineNumber": message.line_number,
        "problem": message.problem,
        "problemType": message.problem_type,
        "success": message.success,
    }


def result_json(result: DeployResult, *, include_details: bool) -> dict[str, Any]:
    """Return a DeployResult as the REST API writes it."""
    details: dict[str, Any] = {
        "componentFailures": [_message(m) for m in result.failures] if include_details else [],
        "componentSuccesses": [_message(m) for m in result.successes] if include_details else [],
        "runTestResult": {
            "numFailures": len(result.test_failures),
            "numTestsRun": result.number_tests_completed,
            "totalTime": 0.0,
            "failures": list(result.test_failures),
            "successes": [],
            "codeCoverage": [],
            "codeCoverageWarnings": [],
        },
    }
    return {
        "id": result.id,
        "checkOnly": result.check_only,
        "ignoreWarnings": result.ignore_warnings,
        "rollbackOnError": result.rollback_on_error,
        "status": result.status,
        "numberComponentsTotal": result.number_components_total,
        "numberComponentErrors": result.number_component_errors,
        "numberComponentsDeployed": result.number_components_deployed,
        "numberTestsTotal": result.number_tests_total,
        "numberTestErrors": result.number_test_errors,
        "numberTestsCompleted": result.number_tests_completed,
        "runTestsEnabled": result.run_tests_enabled,
        "done": result.done,
        "success": result.success,
        "createdDate": _date(result.created_date),
        "createdBy": result.created_by,
        "createdByName": result.created_by_name,
        "startDate": _date(result.start_date),
        "lastModifiedDate": _date(result.last_modified_date),
        "completedDate": _date(result.completed_date),
        "errorMessage": result.error_message,
        "errorStatusCode": result.error_status_code,
        "stateDetail": result.state_detail,
        "canceledBy": result.canceled_by,
        "canceledByName": result.canceled_by_name,
        "details": details,
    }
