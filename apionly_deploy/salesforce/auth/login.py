"""Log in: every flow ends in an OrgSession ``(instance_url, access_token)``.

OAuth JWT bearer, client credentials, SFDX auth URL, refresh token and password go to the token
endpoint; SOAP login (being retired by Salesforce) is there for orgs that still need it; an
access token is used as it is. Secrets never appear in a message or a repr.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from apionly_deploy.errors import AuthError, ConfigError, ServerError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model.text import one_line
from apionly_deploy.salesforce.auth.orgs import Flow, OrgConfig, warn_if_exposed
from apionly_deploy.salesforce.metadata_api import Http, check_url, envelopes, soap

JWT_LIFETIME = 180  # seconds; Salesforce accepts at most 3 minutes
#: The client id the Salesforce CLI stores in auth URLs that have none of their own.
SFDX_DEFAULT_CLIENT_ID = "PlatformCLI"
DEFAULT_SOAP_VERSION = "62.0"
#: A key or secret file is a few KB; more is not one.
SECRET_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class OrgSession:
    """A logged-in session; ``refreshable`` says whether logging in again gives a new token."""

    org: str
    instance_url: str
    access_token: str = field(repr=False)
    refreshable: bool = True


def http_for(
    org: OrgConfig,
    *,
    verify: bool | str | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> Http:
    """Return the HTTP client for ``org``, trusting its own CA when it names one.

    ``timeout`` caps how long one answer may take (seconds; connecting takes at most 15);
    ``deadline`` (``time.monotonic()``) is when every exchange must be over.
    """
    if verify is None:
        verify = str(org.ca_cert) if org.ca_cert is not None else True
    if timeout is None:
        return Http(verify=verify, deadline=deadline)
    return Http(verify=verify, timeout=(min(15.0, timeout), timeout), deadline=deadline)


def login(
    org: OrgConfig,
    http: Http,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
) -> OrgSession:
    """Log in to ``org`` with its flow."""
    env = os.environ if environ is None else environ
    if org.flow is Flow.ACCESS_TOKEN:
        url = check_url(org.instance_url or "", what="instance URL")
        return OrgSession(org.name, url, org.secret("access_token", env), refreshable=False)
    if org.flow is Flow.SOAP_LOGIN:
        return _soap_login(org, http, env)
    if org.flow is Flow.LOCAL:
        raise ConfigError("the local org is started by the deployer, not logged in to")
    token_url, form = _token_request(org, env, clock)
    return _oauth(org, http, token_url, form)


def _token_request(
    org: OrgConfig, env: Mapping[str, str], clock: Callable[[], float]
) -> tuple[str, dict[str, str]]:
    """Return the token endpoint and form for an OAuth flow."""
    client_id = org.client_id or ""
    if org.flow is Flow.JWT:
        key = _read_key(org.key_file)
        assertion = jwt_assertion(
            client_id=client_id,
            username=org.username or "",
            key_pem=key,
            now=clock(),
            audience=org.audience or jwt_audience(org.login_url),
        )
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        return _token_url(org.login_url), form
    if org.flow is Flow.CLIENT_CREDENTIALS:
        secret = org.secret("client_secret", env)
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        return _token_url(org.login_url), form
    if org.flow is Flow.SFDX_URL:
        client_id, secret, refresh, url = parse_sfdx_url(org.secret("auth_url", env))
        form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh}
        return _token_url(url), {**form, **({"client_secret": secret} if secret else {})}
    if org.flow is Flow.REFRESH_TOKEN:
        refresh = org.secret("refresh_token", env)
        form = {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh}
        secret = org.secret("client_secret", env, required=False)
        return _token_url(org.instance_url or org.login_url), {
            **form,
            **({"client_secret": secret} if secret else {}),
        }
    password = org.secret("password", env) + org.secret("security_token", env, required=False)
    form = {
        "grant_type": "password",
        "client_id": client_id,
        "username": org.username or "",
        "password": password,
    }
    secret = org.secret("client_secret", env, required=False)
    return _token_url(org.login_url), {**form, **({"client_secret": secret} if secret else {})}


def _token_url(base: str) -> str:
    return f"{check_url(base, what='login URL')}/services/oauth2/token"


def _oauth(org: OrgConfig, http: Http, url: str, form: dict[str, str]) -> OrgSession:
    response = http.post(url, data=form, headers={"Accept": "application/json"})
    host = urlsplit(url).netloc
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise ServerError(
            f"{host} answered HTTP {response.status_code} without JSON to the {org.flow} login",
            status=response.status_code,
        )
    token = parse_token_response(payload, flow=org.flow, host=host)
    return OrgSession(org.name, token[0], token[1])


def parse_token_response(payload: Mapping[str, Any], *, flow: str, host: str) -> tuple[str, str]:
    """Return ``(instance_url, access_token)`` from an OAuth token response, or raise AuthError."""
    if "error" in payload:
        description = one_line(str(payload.get("error_description") or ""))
        raise AuthError(
            f"{flow} login to {host} refused: {one_line(str(payload['error']))}"
            + (f": {description}" if description else "")
        )
    access, instance = payload.get("access_token"), payload.get("instance_url")
    if not isinstance(access, str) or not isinstance(instance, str) or not access:
        raise AuthError(f"{flow} login to {host}: the answer has no access_token/instance_url")
    return check_url(instance, what="instance_url"), access


def _soap_login(org: OrgConfig, http: Http, env: Mapping[str, str]) -> OrgSession:
    password = org.secret("password", env) + org.secret("security_token", env, required=False)
    url = (
        f"{check_url(org.login_url, what='login URL')}/services/Soap/u/{org.api_version or '62.0'}"
    )
    body = envelopes.login_envelope(org.username or "", password)
    response = http.post(url, data=body, headers=_partner_headers())
    instance, session_id = parse_soap_login(response.content, host=urlsplit(url).netloc)
    return OrgSession(org.name, instance, session_id)


def _partner_headers() -> dict[str, str]:
    """Return the headers of a partner SOAP call."""
    return {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"}


def parse_soap_login(data: bytes, *, host: str) -> tuple[str, str]:
    """Return ``(instance_url, session_id)`` from a partner ``login`` response."""
    try:
        body = soap.body_of(data, source=f"login response from {host}")
    except AuthError as exc:
        raise AuthError(f"soap-login to {host} refused: {exc}") from None
    result = soap.child(body, "result")
    server_url = soap.text(result, "serverUrl") if result is not None else None
    session_id = soap.text(result, "sessionId") if result is not None else None
    if not server_url or not session_id:
        raise AuthError(f"soap-login to {host}: the answer has no serverUrl/sessionId")
    parts = urlsplit(server_url)
    return check_url(f"{parts.scheme}://{parts.netloc}", what="serverUrl"), session_id


def parse_sfdx_url(auth_url: str) -> tuple[str, str, str, str]:
    """Split ``force://clientId:clientSecret:refreshToken@instance`` into its four parts."""
    if not auth_url.startswith("force://") or "@" not in auth_url:
        raise AuthError(
            "the SFDX auth URL must look like force://<clientId>:<secret>:<refreshToken>@<host> "
            "(as `sf org display --verbose` prints it)"
        )
    credentials, _, host = auth_url[len("force://") :].rpartition("@")
    parts = credentials.split(":", 2)
    if len(parts) == 3:
        client_id, secret, refresh = parts
    elif len(parts) == 1:
        client_id, secret, refresh = SFDX_DEFAULT_CLIENT_ID, "", parts[0]
    else:
        raise AuthError(
            "the SFDX auth URL has two ':'-separated credentials; expected one or three"
        )
    if not refresh or not host:
        raise AuthError("the SFDX auth URL has no refresh token or no host")
    url = host if "://" in host else f"https://{host}"
    return client_id or SFDX_DEFAULT_CLIENT_ID, secret, unquote(refresh), check_url(url)


def jwt_audience(login_url: str) -> str:
    """Return the JWT ``aud`` Salesforce expects for ``login_url``."""
    host = (urlsplit(login_url).hostname or "").lower()
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host == "login.salesforce.com" or host.endswith(".my.salesforce.com"):
        return "https://login.salesforce.com"
    return login_url.rstrip("/")


def _read_key(path: Path | None) -> bytes:
    if path is None:
        raise ConfigError("JWT login needs key_file (the connected app's private key, PEM)")
    warn_if_exposed(path, "JWT key file")
    try:
        return read_limited(path, SECRET_FILE_BYTES)
    except OSError as exc:
        raise ConfigError(f"cannot read the JWT key file {path}: {exc.strerror}") from None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_assertion(
    *, client_id: str, username: str, audience: str, key_pem: bytes, now: float
) -> str:
    """Return a signed RS256 JWT bearer assertion for Salesforce's token endpoint."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = "it is encrypted; decrypt it" if "encrypted" in str(exc) else "not a PEM key"
        raise ConfigError(f"the JWT key cannot be used: {reason}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("the JWT key must be an RSA private key (Salesforce signs with RS256)")
    header = _b64url(json.dumps({"alg": "RS256"}, separators=(",", ":")).encode())
    claims = {"iss": client_id, "sub": username, "aud": audience, "exp": int(now) + JWT_LIFETIME}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{_b64url(signature)}"
