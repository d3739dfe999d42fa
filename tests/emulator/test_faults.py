"""Fault injection: latency, dropped connections, HTTP 5xx, REQUEST_LIMIT_EXCEEDED, expiry."""

from __future__ import annotations

import pytest
import requests

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import Soap, ps_zip, text

DESCRIBE = "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"


def test_latency_uses_the_injected_sleep(emulator: EmulatorInfo, soap: Soap) -> None:
    slept: list[float] = []
    emulator.configure(sleep=slept.append)
    emulator.faults.latency(2.5, match="checkDeployStatus", times=2)
    job = soap.deploy(ps_zip())
    soap.wait(job)
    assert slept == [2.5, 2.5]


def test_dropped_connection_then_recovery(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.faults.drop_connection(match="describeMetadata")
    with pytest.raises(requests.ConnectionError):
        soap.raw(DESCRIBE)
    assert soap.raw(DESCRIBE).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_errors(emulator: EmulatorInfo, soap: Soap, status: int) -> None:
    emulator.faults.http_error(status, times=1)
    response = soap.raw(DESCRIBE)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert soap.raw(DESCRIBE).status_code == 200


def test_request_limit_exceeded_soap_and_rest(
    emulator: EmulatorInfo, soap: Soap, http: requests.Session
) -> None:
    emulator.faults.request_limit_exceeded(times=2)
    soap_reply = soap.raw(DESCRIBE)
    assert soap_reply.status_code == 500
    assert "<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode>" in soap_reply.text
    rest = http.get(
        f"{emulator.instance_url}/services/data/v62.0/limits",
        headers={"Authorization": f"Bearer {emulator.access_token}"},
    )
    assert rest.status_code == 403
    assert rest.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_session_expires_after_n_calls(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.faults.expire_sessions_after(2)
    soap.token = emulator.new_access_token()
    assert soap.raw(DESCRIBE).status_code == 200
    assert soap.raw(DESCRIBE).status_code == 200
    third = soap.raw(DESCRIBE)
    assert "sf:INVALID_SESSION_ID" in third.text


def test_faults_match_one_operation_only(emulator: EmulatorInfo, soap: Soap) -> None:
    emulator.faults.http_error(503, match="checkDeployStatus", times=None)
    job = soap.deploy(ps_zip())
    assert (
        soap.raw(
            f"<m:checkDeployStatus><m:asyncProcessId>{job}</m:asyncProcessId></m:checkDeployStatus>"
        ).status_code
        == 503
    )
    emulator.faults.clear()
    assert text(soap.wait(job), "status") == "Succeeded"


def test_admin_endpoint_sets_faults_and_lists_requests(
    emulator: EmulatorInfo, http: requests.Session, soap: Soap
) -> None:
    admin = {"Authorization": f"Bearer {emulator.admin_token}"}
    url = f"{emulator.instance_url}/_emulator"
    assert (
        http.post(
            f"{url}/faults", json={"kind": "http_error", "status": 503}, headers=admin
        ).status_code
        == 201
    )
    assert soap.raw(DESCRIBE).status_code == 503
    assert http.post(f"{url}/faults", json={"kind": "bogus"}, headers=admin).status_code == 400
    assert http.post(f"{url}/faults", json={"kind": "drop"}).status_code == 401
    logged = http.get(f"{url}/requests", headers=admin).json()
    assert [e["operation"] for e in logged] == ["describeMetadata"]
    assert http.delete(f"{url}/faults", headers=admin).status_code == 204


def test_request_log_counts_calls(emulator: EmulatorInfo, soap: Soap) -> None:
    soap.wait(soap.deploy(ps_zip()))
    assert emulator.requests.count("deploy") == 1
    assert emulator.requests.count("checkDeployStatus") == 2
