"""OAuth flows, the identity endpoints, SOAP login and session expiry."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.emulator.testing import JwtKeyPair, register_jwt_client
from tests.emulator.conftest import FIXTURES, Soap

Post = Callable[..., requests.Response]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assertion(pair: JwtKeyPair, **claims: object) -> str:
    key = serialization.load_pem_private_key(pair.private_key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    header = _b64(json.dumps({"alg": "RS256"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{_b64(signature)}"


def test_password_flow_returns_a_salesforce_shaped_token(
    emulator: EmulatorInfo, oauth: Post
) -> None:
    response = oauth(
        grant_type="password",
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        username=emulator.username,
        password=emulator.password,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith(emulator.org_id[:15] + "!")
    assert body["instance_url"] == emulator.instance_url
    assert body["id"].startswith(f"{emulator.login_url}/id/{emulator.org_id}/005")
    assert set(body) == {
        "access_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"client_id": "nope"},
            {"error": "invalid_client_id", "error_description": "client identifier invalid"},
        ),
        (
            {"client_secret": "wrong"},
            {"error": "invalid_client", "error_description": "invalid client credentials"},
        ),
        (
            {"password": "wrong"},
            {"error": "invalid_grant", "error_description": "authentication failure"},
        ),
    ],
)
def test_password_flow_errors(
    emulator: EmulatorInfo, oauth: Post, form: dict[str, str], error: dict[str, str]
) -> None:
    fields = {
        "grant_type": "password",
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "username": emulator.username,
        "password": emulator.password,
        **form,
    }
    response = oauth(**fields)
    assert (response.status_code, response.json()) == (400, error)


def test_error_shapes_match_the_recorded_samples(emulator: EmulatorInfo, oauth: Post) -> None:
    recorded = json.loads((FIXTURES / "soap/oauth-error-invalid_client_id.json").read_text())
    ours = oauth(grant_type="password", client_id="x").json()
    assert set(ours) == set(recorded)
    assert ours["error"] == recorded["error"]


def test_client_credentials_and_refresh_token(emulator: EmulatorInfo, oauth: Post) -> None:
    cc = oauth(
        grant_type="client_credentials",
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
    )
    assert cc.status_code == 200
    refreshed = oauth(
        grant_type="refresh_token",
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        refresh_token=emulator.refresh_token,
    )
    assert refreshed.status_code == 200
    bad = oauth(
        grant_type="refresh_token", client_id=emulator.client_id, refresh_token="5Aep861nope"
    )
    assert bad.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_client_credentials_in_basic_auth(emulator: EmulatorInfo, http: requests.Session) -> None:
    response = http.post(
        f"{emulator.login_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.client_id, emulator.client_secret),
    )
    assert response.status_code == 200


def test_jwt_bearer_flow_and_its_checks(emulator: EmulatorInfo, oauth: Post) -> None:
    pair = register_jwt_client(emulator)
    good = {
        "iss": emulator.client_id,
        "sub": emulator.username,
        "aud": emulator.login_url,
        "exp": int(time.time()) + 180,
    }
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ok = oauth(grant_type=grant, assertion=assertion(pair, **good))
    assert ok.status_code == 200, ok.text
    assert ok.json()["access_token"].startswith(emulator.org_id[:15] + "!")
    cases = [
        ({"aud": "https://evil.example"}, "audience is invalid"),
        ({"exp": int(time.time()) - 600}, "expired authorization code"),
        ({"sub": "nobody@example.com"}, "user hasn't approved this consumer"),
    ]
    for change, description in cases:
        response = oauth(grant_type=grant, assertion=assertion(pair, **{**good, **change}))
        assert response.json()["error_description"] == description
    other = register_jwt_client(emulator, "3MVG9other")
    forged = oauth(grant_type=grant, assertion=assertion(other, **good))
    assert forged.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}
    unknown = oauth(grant_type=grant, assertion=assertion(pair, **{**good, "iss": "3MVG9x"}))
    assert unknown.json()["error"] == "invalid_client_id"


def test_unsupported_grant_type(oauth: Post) -> None:
    assert oauth(grant_type="authorization_code").json()["error"] == "unsupported_grant_type"


def test_userinfo_identity_and_revoke(emulator: EmulatorInfo, http: requests.Session) -> None:
    headers = {"Authorization": f"Bearer {emulator.access_token}"}
    info = http.get(f"{emulator.login_url}/services/oauth2/userinfo", headers=headers).json()
    assert info["organization_id"] == emulator.org_id
    assert info["preferred_username"] == emulator.username
    identity = http.get(
        f"{emulator.login_url}/id/{emulator.org_id}/{info['user_id']}", headers=headers
    )
    assert identity.json()["username"] == emulator.username
    http.post(f"{emulator.login_url}/services/oauth2/revoke", data={"token": emulator.access_token})
    after = http.get(f"{emulator.login_url}/services/oauth2/userinfo", headers=headers)
    assert (after.status_code, after.text) == (403, "Bad_OAuth_Token")


def _login(emulator: EmulatorInfo, http: requests.Session, password: str) -> requests.Response:
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>'
        f"<urn:username>{emulator.username}</urn:username><urn:password>{password}"
        "</urn:password></urn:login></soapenv:Body></soapenv:Envelope>"
    )
    return http.post(
        f"{emulator.login_url}/services/Soap/u/62.0",
        data=body,
        headers={"Content-Type": "text/xml", "SOAPAction": "login"},
    )


def test_soap_login_success_and_invalid_login_fault(
    emulator: EmulatorInfo, http: requests.Session
) -> None:
    ok = _login(emulator, http, emulator.password)
    assert ok.status_code == 200
    assert ok.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert f"<metadataServerUrl>{emulator.instance_url}/services/Soap/m/62.0/" in ok.text
    bad = _login(emulator, http, "wrong")
    assert bad.status_code == 500
    recorded = (FIXTURES / "soap/login-fault-INVALID_LOGIN.partner.xml").read_text()
    for fragment in (
        "<faultcode>sf:INVALID_LOGIN</faultcode>",
        'xsi:type="sf:LoginFault"',
        'xmlns:sf="urn:fault.partner.soap.sforce.com"',
    ):
        assert fragment in recorded and fragment in bad.text


def test_expired_session_gets_invalid_session_id(emulator: EmulatorInfo, soap: Soap) -> None:
    now = [time.time()]
    emulator.configure(clock=lambda: now[0], session_seconds=60)
    soap.token = emulator.new_access_token()
    assert (
        soap.raw(
            "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"
        ).status_code
        == 200
    )
    now[0] += 61
    response = soap.raw(
        "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"
    )
    assert response.status_code == 500
    assert "<faultcode>sf:INVALID_SESSION_ID</faultcode>" in response.text
    assert 'xmlns:sf="http://soap.sforce.com/2006/04/metadata"' in response.text


def test_missing_session_header(soap: Soap) -> None:
    response = soap.raw(
        "<m:checkDeployStatus><m:asyncProcessId>0AfDn000000000RKAQ</m:asyncProcessId>"
        "</m:checkDeployStatus>",
        token=False,
    )
    assert "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader" in response.text
