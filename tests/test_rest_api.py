"""The REST client: real calls to the emulator, plus a scripted transport for paging/composite."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from users_support import scripted

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.errors import (
    ConfigError,
    DuplicateUsername,
    ExitCode,
    LicenseLimitExceeded,
    NotFound,
    RestApiError,
    RestRemoteError,
    SessionExpired,
)
from apionly_deploy.salesforce.rest_api import (
    RestClient,
    SubRequest,
    error_from,
    soql_in,
    soql_quote,
    soql_select,
)


def client_for(emulator: EmulatorInfo, **kwargs: Any) -> RestClient:
    return RestClient(
        requests.Session(),
        instance_url=emulator.instance_url,
        access_token=kwargs.pop("access_token", emulator.new_access_token()),
        verify=str(emulator.ca_cert),
        **kwargs,
    )


def test_query_create_update_delete_on_the_emulator(emulator: EmulatorInfo) -> None:
    """A user and a license assignment round-trip; `attributes` never reach the caller."""
    client = client_for(emulator)
    where = "Name = " + soql_quote("Minimum Access - API Only Integrations")
    (profile,) = client.query(soql_select("Profile", ["Id", "Name"], where))
    assert set(profile) == {"Id", "Name"}
    user_id = client.create(
        "User",
        {
            "Username": "sync@acme.example",
            "LastName": "Sync",
            "Email": "sync@acme.example",
            "Alias": "sync",
            "TimeZoneSidKey": "GMT",
            "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US",
            "ProfileId": profile["Id"],
        },
    )
    client.update("User", user_id, {"LastName": "Sync2"})
    (psl,) = client.query("SELECT Id FROM PermissionSetLicense")
    assignment = client.create(
        "PermissionSetLicenseAssign", {"AssigneeId": user_id, "PermissionSetLicenseId": psl["Id"]}
    )
    client.delete("PermissionSetLicenseAssign", assignment)
    where = "Username IN " + soql_in(["sync@acme.example"])
    (user,) = client.query(soql_select("User", ["LastName"], where))
    assert user == {"LastName": "Sync2"}
    assert client.query("SELECT Id FROM PermissionSetLicenseAssign") == []


def test_salesforce_errors_become_typed_errors(emulator: EmulatorInfo) -> None:
    """DUPLICATE_USERNAME and NOT_FOUND keep Salesforce's code, message and fields."""
    client = client_for(emulator)
    with pytest.raises(DuplicateUsername) as caught:
        client.create(
            "User",
            {
                "Username": emulator.username,
                "LastName": "X",
                "Email": "x@acme.example",
                "Alias": "x",
                "TimeZoneSidKey": "GMT",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "ProfileId": client.query("SELECT Id FROM Profile")[0]["Id"],
            },
        )
    assert caught.value.code == "DUPLICATE_USERNAME"
    assert caught.value.fields == ("Username",)
    assert caught.value.exit_code == ExitCode.FAILED
    with pytest.raises(NotFound):
        client.update("User", "005000000000000AAA", {"LastName": "X"})


def test_expired_session_is_renewed_once_through_refresh(emulator: EmulatorInfo) -> None:
    fresh = emulator.new_access_token()
    client = client_for(emulator, access_token="00Dbogus!token", refresh=lambda: fresh)
    assert client.query("SELECT Id FROM Organization")
    assert client.access_token == fresh
    without = client_for(emulator, access_token="00Dbogus!token")
    with pytest.raises(SessionExpired):
        without.query("SELECT Id FROM Organization")


def test_verify_is_passed_per_request_despite_requests_ca_bundle(
    emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """REQUESTS_CA_BUNDLE would override a session-wide verify (psf/requests#3829)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert client_for(emulator).versions()[-1]["version"] == "62.0"
    untrusted = client_for(emulator)
    untrusted.verify = True  # now the environment's bundle wins, and it does not exist
    with pytest.raises(ConfigError, match=r"cannot verify 127\.0\.0\.1.*missing\.pem"):
        untrusted.versions()
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE")
    with pytest.raises(ConfigError, match=r"TLS verification of 127\.0\.0\.1"):
        untrusted.versions()


def test_describe_of_permission_set_lists_api_user_only(emulator: EmulatorInfo) -> None:
    fields = {f["name"] for f in client_for(emulator).describe("PermissionSet")["fields"]}
    assert "PermissionsApiUserOnly" in fields


def test_query_follows_next_records_url() -> None:
    client, adapter = scripted(
        (
            200,
            {
                "done": False,
                "nextRecordsUrl": "/services/data/v62.0/query/01g-2000",
                "records": [{"attributes": {"type": "User"}, "Id": "1"}],
            },
        ),
        (200, {"done": True, "records": [{"attributes": {"type": "User"}, "Id": "2"}]}),
    )
    assert client.query("SELECT Id FROM User") == [{"Id": "1"}, {"Id": "2"}]
    assert (
        adapter.sent[1].url == "https://acme.my.salesforce.com/services/data/v62.0/query/01g-2000"
    )
    assert adapter.sent[0].headers["Authorization"] == "Bearer 00D!t"


def test_composite_sends_references_and_maps_each_outcome() -> None:
    halted = [{"errorCode": "PROCESSING_HALTED", "message": "rolled back"}]
    client, adapter = scripted(
        (
            200,
            {
                "compositeResponse": [
                    {"referenceId": "r1", "httpStatusCode": 400, "body": halted},
                    {
                        "referenceId": "r0",
                        "httpStatusCode": 201,
                        "body": {"id": "005x", "success": True},
                    },
                ]
            },
        )
    )
    answers = client.composite(
        [
            SubRequest("POST", "sobjects/User", {"LastName": "A"}),
            SubRequest("DELETE", "sobjects/PermissionSetAssignment/0Pa1"),
        ],
        all_or_none=True,
    )
    sent = json.loads(adapter.sent[0].body or b"")
    assert sent == {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v62.0/sobjects/User",
                "referenceId": "r0",
                "body": {"LastName": "A"},
            },
            {
                "method": "DELETE",
                "url": "/services/data/v62.0/sobjects/PermissionSetAssignment/0Pa1",
                "referenceId": "r1",
            },
        ],
    }
    assert answers[0].record_id == "005x" and answers[0].error is None
    assert answers[1].error is not None and answers[1].error.code == "PROCESSING_HALTED"


def test_more_than_25_subrequests_is_a_bug() -> None:
    client, _ = scripted()
    with pytest.raises(ValueError, match="at most 25"):
        client.composite([SubRequest("GET", "limits")] * 26, all_or_none=False)


@pytest.mark.parametrize(
    ("status", "payload", "kind", "code"),
    [
        (
            400,
            [{"errorCode": "DUPLICATE_USERNAME", "message": "Duplicate Username."}],
            DuplicateUsername,
            "DUPLICATE_USERNAME",
        ),
        (
            400,
            [{"errorCode": "LICENSE_LIMIT_EXCEEDED", "message": "License Limit Exceeded"}],
            LicenseLimitExceeded,
            "LICENSE_LIMIT_EXCEEDED",
        ),
        (
            403,
            [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit"}],
            RestRemoteError,
            "REQUEST_LIMIT_EXCEEDED",
        ),
        (404, None, NotFound, "HTTP_404"),
        (
            400,
            {"error": "invalid_grant", "error_description": "expired"},
            RestApiError,
            "invalid_grant",
        ),
    ],
)
def test_error_shapes(status: int, payload: Any, kind: type[Exception], code: str) -> None:
    error = error_from(status, payload, what="POST sobjects/User")
    assert type(error) is kind
    assert error.code == code


def test_request_limit_is_a_remote_error_worth_a_retry() -> None:
    client, _ = scripted((403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "limit"}]))
    with pytest.raises(RestRemoteError) as caught:
        client.query("SELECT Id FROM User")
    assert caught.value.exit_code == ExitCode.REMOTE


def test_soql_literals_are_escaped() -> None:
    assert soql_quote("O'Brien\\x") == "'O\\'Brien\\\\x'"
    assert soql_in(["a", "b'c"]) == "('a', 'b\\'c')"


def test_plain_http_is_refused_except_to_loopback() -> None:
    with pytest.raises(ConfigError, match="plain http"):
        RestClient(requests.Session(), "http://acme.example", "t")
    assert RestClient(requests.Session(), "http://127.0.0.1:8", "t").base == "/services/data/v62.0"
