"""REST: versions, SOQL, users and assignments with licence checks, describe, Metadata REST."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from apionly_deploy.emulator import EmulatorInfo
from tests.emulator.conftest import ps_zip


@pytest.fixture
def rest(emulator: EmulatorInfo, http: requests.Session) -> requests.Session:
    http.headers["Authorization"] = f"Bearer {emulator.access_token}"
    return http


def _url(emulator: EmulatorInfo, path: str) -> str:
    return f"{emulator.instance_url}/services/data/v62.0/{path}"


def query(emulator: EmulatorInfo, rest: requests.Session, soql: str) -> requests.Response:
    return rest.get(_url(emulator, "query"), params={"q": soql})


def rows(emulator: EmulatorInfo, rest: requests.Session, soql: str) -> list[dict[str, Any]]:
    response = query(emulator, rest, soql)
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def test_versions_and_resources(emulator: EmulatorInfo, rest: requests.Session) -> None:
    versions = rest.get(f"{emulator.instance_url}/services/data").json()
    assert versions[-1] == {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}
    assert "query" in rest.get(_url(emulator, "")).json()


def test_unauthenticated_rest_call(emulator: EmulatorInfo, http: requests.Session) -> None:
    response = http.get(_url(emulator, "query"), params={"q": "SELECT Id FROM User"})
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_soql_with_lookups_filters_and_order(
    emulator: EmulatorInfo, rest: requests.Session
) -> None:
    found = rows(
        emulator,
        rest,
        "select Name, UserLicense.Name from profile where UserLicense.Name = "
        "'Salesforce Integration' order by Name desc",
    )
    assert [r["Name"] for r in found] == [
        "Salesforce API Only System Integrations",
        "Minimum Access - API Only Integrations",
    ]
    assert found[0]["UserLicense"]["Name"] == "Salesforce Integration"
    owned = rows(
        emulator,
        rest,
        "SELECT Profile.Name, PermissionsApiUserOnly FROM PermissionSet "
        "WHERE IsOwnedByProfile = true AND PermissionsApiUserOnly = true",
    )
    assert {r["Profile"]["Name"] for r in owned} == {
        "Minimum Access - API Only Integrations",
        "Salesforce API Only System Integrations",
    }
    count = query(
        emulator,
        rest,
        "SELECT COUNT() FROM UserLicense WHERE Name IN ('Salesforce', 'Salesforce Integration')",
    ).json()
    assert count["totalSize"] == 2


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM ScratchOrgInfo", "INVALID_TYPE"),
        ("SELECT Nope FROM User", "INVALID_FIELD"),
        ("SELECT Id FROM User WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM User LIMIT", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM User WHERE " + "(" * 5000 + "IsActive = true" + ")" * 5000,
            "MALFORMED_QUERY",
        ),  # used to answer HTTP 500 (RecursionError)
    ],
)
def test_soql_errors(emulator: EmulatorInfo, rest: requests.Session, soql: str, code: str) -> None:
    response = query(emulator, rest, soql)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in response.json()[0]["message"]


def _integration_profile(emulator: EmulatorInfo, rest: requests.Session) -> str:
    return str(
        rows(
            emulator,
            rest,
            "SELECT Id FROM Profile WHERE Name = 'Minimum Access - API Only Integrations'",
        )[0]["Id"]
    )


def _create(
    emulator: EmulatorInfo, rest: requests.Session, sobject: str, **fields: Any
) -> requests.Response:
    return rest.post(_url(emulator, f"sobjects/{sobject}"), json=fields)


def _new_user(emulator: EmulatorInfo, rest: requests.Session, username: str) -> requests.Response:
    return _create(
        emulator,
        rest,
        "User",
        Username=username,
        LastName="ERP",
        Email=username,
        Alias="erp",
        TimeZoneSidKey="GMT",
        LocaleSidKey="en_US",
        EmailEncodingKey="UTF-8",
        LanguageLocaleKey="en_US",
        ProfileId=_integration_profile(emulator, rest),
    )


def test_integration_user_end_to_end(emulator: EmulatorInfo, rest: requests.Session) -> None:
    """Create an integration user, give it the API PSL, then a permission set that needs it."""
    from tests.emulator.conftest import Soap

    Soap(emulator, rest).wait(Soap(emulator, rest).deploy(ps_zip()))
    created = _new_user(emulator, rest, "erp@acme.example")
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    ps_id = rows(emulator, rest, "SELECT Id FROM PermissionSet WHERE Name = 'ERP_Integration'")[0]
    early = _create(
        emulator, rest, "PermissionSetAssignment", AssigneeId=user_id, PermissionSetId=ps_id["Id"]
    )
    assert early.status_code == 400
    assert early.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    psl = rows(
        emulator,
        rest,
        "SELECT Id FROM PermissionSetLicense WHERE DeveloperName = 'SalesforceAPIIntegrationPsl'",
    )[0]["Id"]
    assert (
        _create(
            emulator,
            rest,
            "PermissionSetLicenseAssign",
            AssigneeId=user_id,
            PermissionSetLicenseId=psl,
        ).status_code
        == 201
    )
    assigned = _create(
        emulator, rest, "PermissionSetAssignment", AssigneeId=user_id, PermissionSetId=ps_id["Id"]
    )
    assert assigned.status_code == 201
    again = _create(
        emulator, rest, "PermissionSetAssignment", AssigneeId=user_id, PermissionSetId=ps_id["Id"]
    )
    assert again.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    names = rows(
        emulator,
        rest,
        "SELECT Assignee.Username, PermissionSet.Name FROM "  # noqa: S608 - SOQL, test data
        f"PermissionSetAssignment WHERE AssigneeId = '{user_id}'",
    )
    assert names[0]["Assignee"]["Username"] == "erp@acme.example"
    assert (
        rest.delete(
            _url(emulator, f"sobjects/PermissionSetAssignment/{assigned.json()['id']}")
        ).status_code
        == 204
    )
    assert (
        rest.patch(_url(emulator, f"sobjects/User/{user_id}"), json={"IsActive": False}).status_code
        == 204
    )
    fetched = rest.get(_url(emulator, f"sobjects/User/{user_id}")).json()
    assert fetched["IsActive"] is False


def test_user_errors(emulator: EmulatorInfo, rest: requests.Session) -> None:
    missing = _create(emulator, rest, "User", Username="x@y.example")
    assert missing.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert "LastName" in missing.json()[0]["fields"]
    assert _new_user(emulator, rest, "dup@acme.example").status_code == 201
    assert (
        _new_user(emulator, rest, "dup@acme.example").json()[0]["errorCode"] == "DUPLICATE_USERNAME"
    )
    bogus = _create(emulator, rest, "User", Bogus__c=1)
    assert bogus.json()[0]["errorCode"] == "INVALID_FIELD"


def test_integration_licences_run_out(emulator: EmulatorInfo, rest: requests.Session) -> None:
    for i in range(5):
        assert _new_user(emulator, rest, f"u{i}@acme.example").status_code == 201
    sixth = _new_user(emulator, rest, "u5@acme.example")
    assert sixth.json()[0]["errorCode"] == "LICENSE_LIMIT_EXCEEDED"


def test_permission_set_describe(emulator: EmulatorInfo, rest: requests.Session) -> None:
    fields = {
        f["name"]
        for f in rest.get(_url(emulator, "sobjects/PermissionSet/describe")).json()["fields"]
    }
    assert {"Id", "Name", "Label", "PermissionsApiUserOnly", "PermissionsViewSetup"} <= fields


def _multipart(zip_data: bytes, **options: Any) -> tuple[bytes, str]:
    boundary = "----apionly"
    entity = json.dumps({"deployOptions": {"singlePackage": True, **options}}).encode()
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="entity_content"\r\n'
            "Content-Type: application/json\r\n\r\n".encode(),
            entity,
            b"\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="package.xml"\r\nContent-Type: application/zip\r\n\r\n'.encode(),
            zip_data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_metadata_rest_deploy(emulator: EmulatorInfo, rest: requests.Session) -> None:
    body, content_type = _multipart(ps_zip())
    started = rest.post(
        _url(emulator, "metadata/deployRequest"), data=body, headers={"Content-Type": content_type}
    )
    assert started.status_code == 201, started.text
    job = started.json()["id"]
    for _ in range(5):
        report = rest.get(
            _url(emulator, f"metadata/deployRequest/{job}"), params={"includeDetails": "true"}
        ).json()
        if report["deployResult"]["done"]:
            break
    result = report["deployResult"]
    assert (result["status"], result["success"]) == ("Succeeded", True)
    assert result["details"]["componentSuccesses"][-1]["fullName"] == "ERP_Integration"
    missing = rest.get(_url(emulator, "metadata/deployRequest/0AfDn00000000ZZZZZ"))
    assert missing.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_metadata_rest_cancel(emulator: EmulatorInfo, rest: requests.Session) -> None:
    emulator.configure(never_finish=True)
    body, content_type = _multipart(ps_zip())
    job = rest.post(
        _url(emulator, "metadata/deployRequest"), data=body, headers={"Content-Type": content_type}
    ).json()["id"]
    cancel = rest.patch(
        _url(emulator, f"metadata/deployRequest/{job}"),
        json={"deployResult": {"status": "Canceling"}},
    )
    assert cancel.status_code == 202
    report = rest.get(_url(emulator, f"metadata/deployRequest/{job}")).json()
    assert report["deployResult"]["status"] == "Canceled"
