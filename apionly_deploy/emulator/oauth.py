"""OAuth 2.0 at /services/oauth2/: token (JWT bearer, client credentials, refresh token,
password), userinfo, revoke, and the identity URL. Errors in Salesforce's JSON shape.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from apionly_deploy.emulator.http import Request, Response, json_response
from apionly_deploy.emulator.org import InvalidSession, Org
from apionly_deploy.emulator.store import Session

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STANDARD_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
#: Seconds of clock skew tolerated on a JWT's ``exp``.
_SKEW = 30


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> Response:
        return json_response(
            self.status, {"error": self.error, "error_description": self.description}
        )


def token(org: Org, request: Request) -> Response:
    """Answer POST /services/oauth2/token."""
    if request.method != "POST":
        return OAuthError("invalid_request", "must use HTTP POST", 400).response()
    form = request.form()
    try:
        grant = form.get("grant_type", "")
        if grant == "password":
            session = _password(org, form, request)
        elif grant == "client_credentials":
            session = _client_credentials(org, form, request)
        elif grant == "refresh_token":
            session = _refresh(org, form, request)
        elif grant == JWT_GRANT:
            session = _jwt(org, form.get("assertion", ""), request.base_url)
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
    except OAuthError as exc:
        return exc.response()
    return json_response(200, token_payload(org, session, request.base_url))


def token_payload(org: Org, session: Session, base_url: str) -> dict[str, Any]:
    """Return the token response body Salesforce sends."""
    identity = f"{base_url}/id/{org.credentials.org_id}/{session.user_id}"
    issued = str(int(session.issued * 1000))
    key = org.credentials.client_secret.encode()
    signature = base64.b64encode(
        hmac.new(key, (identity + issued).encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "access_token": session.token,
        "signature": signature,
        "scope": "api",
        "instance_url": base_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued,
    }


def _client(org: Org, form: dict[str, str], request: Request) -> tuple[str, str | None]:
    client_id, secret = form.get("client_id"), form.get("client_secret")
    basic = request.header("authorization") or ""
    if basic.startswith("Basic "):
        try:
            pair = base64.b64decode(basic[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
        client_id, _, secret = pair.partition(":")
    if client_id != org.credentials.client_id:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    return client_id, secret


def _check_secret(org: Org, secret: str | None) -> None:
    expected = org.credentials.client_secret
    if secret is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise OAuthError("invalid_client", "invalid client credentials")


def _password(org: Org, form: dict[str, str], request: Request) -> Session:
    client_id, secret = _client(org, form, request)
    _check_secret(org, secret)
    user = org.user_by_name(form.get("username", ""))
    password = form.get("password", "")
    if user is None or not hmac.compare_digest(
        password.encode(), org.credentials.password.encode()
    ):
        raise OAuthError("invalid_grant", "authentication failure")
    return org.issue_session(str(user["Id"]), client_id)


def _client_credentials(org: Org, form: dict[str, str], request: Request) -> Session:
    client_id, secret = _client(org, form, request)
    _check_secret(org, secret)
    return org.issue_session(org.credentials.admin_user_id, client_id)


def _refresh(org: Org, form: dict[str, str], request: Request) -> Session:
    client_id, secret = _client(org, form, request)
    if secret is not None:
        _check_secret(org, secret)
    owner = org.store.refresh_token_owner(form.get("refresh_token", ""))
    if owner is None or owner[1] != client_id:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    return org.issue_session(owner[0], client_id)


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _jwt(org: Org, assertion: str, base_url: str) -> Session:
    try:
        header_part, claims_part, signature_part = assertion.split(".")
        header = json.loads(_b64url(header_part))
        claims = json.loads(_b64url(claims_part))
        signature = _b64url(signature_part)
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "invalid assertion")
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "invalid assertion")
    pem = org.store.jwt_certificate(str(claims.get("iss", "")))
    if pem is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    _verify(pem, f"{header_part}.{claims_part}".encode(), signature)
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    allowed = {base_url, *STANDARD_AUDIENCES}
    if not any(str(a).rstrip("/") in allowed for a in audiences):
        raise OAuthError("invalid_grant", "audience is invalid")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + _SKEW < org.now():
        raise OAuthError("invalid_grant", "expired authorization code")
    user = org.user_by_name(str(claims.get("sub", "")))
    if user is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return org.issue_session(str(user["Id"]), str(claims["iss"]))


def _verify(pem: bytes, signed: bytes, signature: bytes) -> None:
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise OAuthError("invalid_grant", "invalid assertion") from None


def revoke(org: Org, request: Request) -> Response:
    """Answer POST /services/oauth2/revoke (token in the form or the query)."""
    value = request.form().get("token") or request.param("token") or ""
    if not org.store.revoke_session(value):
        return OAuthError("unsupported_token_type", "this token type is not supported").response()
    return Response(200, b"", "text/plain")


def _session_or_403(org: Org, request: Request) -> Session | Response:
    try:
        return org.authenticate(request.bearer())
    except InvalidSession:
        return Response(403, b"Bad_OAuth_Token", "text/plain;charset=UTF-8")


def userinfo(org: Org, request: Request) -> Response:
    """Answer GET /services/oauth2/userinfo (OpenID Connect user info)."""
    session = _session_or_403(org, request)
    if isinstance(session, Response):
        return session
    user = org.user(session.user_id)
    org_id = org.credentials.org_id
    return json_response(
        200,
        {
            "sub": f"{request.base_url}/id/{org_id}/{session.user_id}",
            "user_id": session.user_id,
            "organization_id": org_id,
            "preferred_username": user.get("Username"),
            "nickname": user.get("Alias"),
            "name": user.get("Name"),
            "email": user.get("Email"),
            "email_verified": True,
            "given_name": user.get("FirstName"),
            "family_name": user.get("LastName"),
            "zoneinfo": user.get("TimeZoneSidKey"),
            "active": bool(user.get("IsActive", True)),
            "user_type": "STANDARD",
            "language": user.get("LanguageLocaleKey"),
            "locale": user.get("LocaleSidKey"),
            "urls": _urls(request.base_url, org.settings.api_version, org_id, session.user_id),
        },
    )


def identity(org: Org, request: Request, org_id: str, user_id: str) -> Response:
    """Answer GET /id/<org id>/<user id> (the identity URL of a token response)."""
    session = _session_or_403(org, request)
    if isinstance(session, Response):
        return session
    if org_id[:15] != org.credentials.org_id[:15] or user_id[:15] != session.user_id[:15]:
        return Response(403, b"Bad_Id", "text/plain;charset=UTF-8")
    user = org.user(session.user_id)
    return json_response(
        200,
        {
            "id": f"{request.base_url}/id/{org.credentials.org_id}/{session.user_id}",
            "asserted_user": True,
            "user_id": session.user_id,
            "organization_id": org.credentials.org_id,
            "username": user.get("Username"),
            "nick_name": user.get("Alias"),
            "display_name": user.get("Name"),
            "email": user.get("Email"),
            "first_name": user.get("FirstName"),
            "last_name": user.get("LastName"),
            "active": bool(user.get("IsActive", True)),
            "user_type": "STANDARD",
            "language": user.get("LanguageLocaleKey"),
            "locale": user.get("LocaleSidKey"),
            "urls": _urls(
                request.base_url, org.settings.api_version, org.credentials.org_id, session.user_id
            ),
        },
    )


def _urls(base: str, version: str, org_id: str, user_id: str) -> dict[str, str]:
    short = org_id[:15]
    return {
        "enterprise": f"{base}/services/Soap/c/{{version}}/{short}",
        "metadata": f"{base}/services/Soap/m/{{version}}/{short}",
        "partner": f"{base}/services/Soap/u/{{version}}/{short}",
        "rest": f"{base}/services/data/v{{version}}/",
        "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
        "query": f"{base}/services/data/v{{version}}/query/",
        "profile": f"{base}/{user_id}",
        "custom_domain": base,
        "api_version": version,
    }
