"""simple-salesforce, a real third-party client, unchanged against the local org."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from simple_salesforce import Salesforce

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import permission_set, ps_zip


@pytest.fixture
def sf(emulator: EmulatorInfo) -> Iterator[Salesforce]:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify (psf/requests#4726)
    session.verify = str(emulator.ca_cert)
    with session:
        yield Salesforce(
            instance_url=emulator.instance_url,
            session_id=emulator.access_token,
            session=session,
            version="62.0",
        )


def _deploy_until_done(sf: Salesforce, data: bytes) -> dict[str, object]:
    job = sf.deploy(io.BytesIO(data), sandbox=False)["asyncId"]
    for _ in range(10):
        status: dict[str, object] = sf.checkDeployStatus(job)
        if status["state"] in ("Succeeded", "Failed"):
            return status
    raise AssertionError("deploy did not finish")


def test_deploy_to_succeeded(sf: Salesforce) -> None:
    status = _deploy_until_done(sf, ps_zip())
    assert status["state"] == "Succeeded"
    assert status["deployment_detail"] == {
        "total_count": "1",
        "failed_count": "0",
        "deployed_count": "1",
        "errors": [],
    }


def test_failed_deploy_errors_as_simple_salesforce_reports_them(sf: Salesforce) -> None:
    status = _deploy_until_done(sf, ps_zip(xml=permission_set("ApiEnabled", "NotAPermission")))
    assert status["state"] == "Failed"
    detail = status["deployment_detail"]
    assert isinstance(detail, dict)
    assert detail["errors"] == [
        {
            "type": "PermissionSet",
            "file": "permissionsets/ERP_Integration.permissionset",
            "status": "Error",
            "message": "Unknown user permission: NotAPermission",
        }
    ]


def test_rest_query_and_zeep_list_metadata(
    sf: Salesforce, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """simple-salesforce's REST query and its WSDL-driven (zeep) SOAP client both parse us."""
    # zeep makes its own requests session, which trusts only the environment's CA bundle.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_cert))
    _deploy_until_done(sf, ps_zip())
    users = sf.query("SELECT Id, Username FROM User")
    assert users["totalSize"] == 1
    listed = sf.mdapi.list_metadata({"type": "PermissionSet"})
    assert [item.fullName for item in listed] == ["ERP_Integration"]
    record = sf.mdapi.PermissionSet.read("ERP_Integration")
    assert record.label == "ERP Integration"
