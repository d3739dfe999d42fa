"""Org resolution and the pure parts of each login flow (the emulator tests log in for real)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from apionly_deploy.errors import AuthError, ConfigError
from apionly_deploy.salesforce.auth import (
    Flow,
    OrgConfig,
    Secret,
    default_env_var,
    jwt_assertion,
    jwt_audience,
    org_config_from_table,
    org_from_env,
    parse_sfdx_url,
    parse_soap_login,
    parse_token_response,
    resolve_org,
)

SOAP = Path(__file__).parent / "fixtures" / "soap"


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# --- JWT ------------------------------------------------------------------------------------


def test_jwt_assertion_is_rs256_signed_with_salesforce_claims(rsa_key):
    token = jwt_assertion(
        client_id="3MVG9abc",
        username="ci@acme.example",
        audience="https://login.salesforce.com",
        key_pem=pem(rsa_key),
        now=1_700_000_000.7,
    )
    header, payload, signature = token.split(".")
    assert json.loads(b64url_decode(header)) == {"alg": "RS256"}
    assert json.loads(b64url_decode(payload)) == {
        "iss": "3MVG9abc",
        "sub": "ci@acme.example",
        "aud": "https://login.salesforce.com",
        "exp": 1_700_000_180,
    }
    rsa_key.public_key().verify(
        b64url_decode(signature),
        f"{header}.{payload}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_jwt_key_that_is_not_pem_is_a_config_error():
    with pytest.raises(ConfigError, match="not a PEM key"):
        jwt_assertion(client_id="c", username="u", audience="a", key_pem=b"nope", now=0)


def test_jwt_key_must_be_rsa():
    key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(ConfigError, match="RSA"):
        jwt_assertion(client_id="c", username="u", audience="a", key_pem=pem(key), now=0)


def test_encrypted_jwt_key_says_so(rsa_key):
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(ConfigError, match="encrypted"):
        jwt_assertion(client_id="c", username="u", audience="a", key_pem=encrypted, now=0)


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com/", "https://test.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443/", "https://127.0.0.1:8443"),
    ],
)
def test_jwt_audience(login_url, audience):
    assert jwt_audience(login_url) == audience


# --- SFDX auth URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "force://PlatformCLI::5Aep861.abc!x@acme.my.salesforce.com",
            ("PlatformCLI", "", "5Aep861.abc!x", "https://acme.my.salesforce.com"),
        ),
        (
            "force://3MVG9:s3cret:5Aep@https://acme--uat.sandbox.my.salesforce.com",
            ("3MVG9", "s3cret", "5Aep", "https://acme--uat.sandbox.my.salesforce.com"),
        ),
        (
            "force://5Aep861@acme.my.salesforce.com",
            ("PlatformCLI", "", "5Aep861", "https://acme.my.salesforce.com"),
        ),
        (
            "force://PlatformCLI::tok%40en@acme.my.salesforce.com",
            ("PlatformCLI", "", "tok@en", "https://acme.my.salesforce.com"),
        ),
    ],
)
def test_parse_sfdx_url(url, expected):
    assert parse_sfdx_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["https://acme.my.salesforce.com", "force://nohost", "force://a:b@host", "force://x:y:@h"],
)
def test_bad_sfdx_url_is_an_auth_error_without_echoing_it(url):
    with pytest.raises(AuthError) as info:
        parse_sfdx_url(url)
    assert url not in str(info.value)


# --- token and login responses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("oauth-token-response.restforce.json", "https://na1.salesforce.com"),
        ("oauth-token-response.simple-salesforce.json", "https://na15.salesforce.com"),
        ("oauth-refresh-response.restforce.json", "https://na1.salesforce.com"),
    ],
)
def test_token_responses(name, instance):
    payload = json.loads((SOAP / name).read_text())
    assert parse_token_response(payload, flow="jwt", host="h") == (
        instance,
        payload["access_token"],
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("oauth-error-invalid_client_id.json", "invalid_client_id: client identifier invalid"),
        (
            "oauth-error-invalid_grant-authentication-failure.json",
            "invalid_grant: authentication failure - Invalid Password",
        ),
        (
            "oauth-error-invalid_grant-not-approved.json",
            "invalid_grant: user hasn't approved this consumer",
        ),
        (
            "oauth-refresh-error-invalid_grant-expired.json",
            "invalid_grant: expired access/refresh token",
        ),
    ],
)
def test_oauth_errors_name_the_flow_host_and_error(name, message):
    payload = json.loads((SOAP / name).read_text())
    with pytest.raises(AuthError) as info:
        parse_token_response(payload, flow="client-credentials", host="acme.my.salesforce.com")
    assert (
        str(info.value) == f"client-credentials login to acme.my.salesforce.com refused: {message}"
    )
    assert info.value.exit_code == 3


def test_token_response_must_have_a_token():
    with pytest.raises(AuthError, match="no access_token"):
        parse_token_response({"instance_url": "https://x.example"}, flow="jwt", host="h")


@pytest.mark.parametrize(
    ("name", "instance", "session_prefix"),
    [
        (
            "login-response-success.partner-v23.xml",
            "https://na12-api.salesforce.com",
            "00DU0000000Ilbh!",
        ),
        (
            "login-response-success.enterprise.simple-salesforce.xml",
            "https://na15.salesforce.com",
            "12345",
        ),
    ],
)
def test_soap_login_responses(name, instance, session_prefix):
    url, session = parse_soap_login((SOAP / name).read_bytes(), host="login.salesforce.com")
    assert url == instance and session.startswith(session_prefix)


def test_soap_login_fault_is_an_auth_error():
    data = (SOAP / "login-fault-INVALID_LOGIN.partner.xml").read_bytes()
    with pytest.raises(
        AuthError, match=r"soap-login to login\.salesforce\.com refused: INVALID_LOGIN"
    ):
        parse_soap_login(data, host="login.salesforce.com")


# --- orgs from the project file -----------------------------------------------------------------


def test_jwt_org_table(tmp_path):
    org = org_config_from_table(
        "prod",
        {
            "auth": "jwt",
            "login_url": "https://acme.my.salesforce.com",
            "client_id": "3MVG9",
            "username": "ci@acme.example",
            "key_file": "keys/server.key",
        },
        base_dir=tmp_path,
    )
    assert org.flow is Flow.JWT and org.key_file == tmp_path / "keys/server.key"
    assert org.login_url == "https://acme.my.salesforce.com"


def test_secret_values_are_refused_in_the_project_file(tmp_path):
    with pytest.raises(ConfigError, match=r"client_secret must not be written.*client_secret_env"):
        org_config_from_table(
            "prod",
            {
                "auth": "client-credentials",
                "client_id": "c",
                "client_secret": "s3cret",
                "login_url": "https://acme.my.salesforce.com",
            },
            base_dir=tmp_path,
        )


def test_unknown_key_gets_did_you_mean(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'usrname' \(did you mean 'username'\?\)"):
        org_config_from_table("prod", {"auth": "jwt", "usrname": "x"}, base_dir=tmp_path)


def test_unknown_flow_gets_did_you_mean(tmp_path):
    with pytest.raises(
        ConfigError, match=r"'client-credential' is not a login flow \(did you mean"
    ):
        org_config_from_table("prod", {"auth": "client-credential"}, base_dir=tmp_path)


def test_missing_required_key(tmp_path):
    with pytest.raises(ConfigError, match="needs username"):
        org_config_from_table(
            "prod", {"auth": "jwt", "client_id": "c", "key_file": "k"}, base_dir=tmp_path
        )


def test_plain_http_login_url_is_refused_except_loopback(tmp_path):
    table = {"auth": "client-credentials", "client_id": "c"}
    with pytest.raises(ConfigError, match="plain http"):
        org_config_from_table("p", {**table, "login_url": "http://acme.example"}, base_dir=tmp_path)
    org = org_config_from_table(
        "p", {**table, "login_url": "http://127.0.0.1:9"}, base_dir=tmp_path
    )
    assert org.login_url == "http://127.0.0.1:9"


def test_secrets_come_from_named_variable_file_or_default_variable(tmp_path):
    (tmp_path / "secret.txt").write_text("from-file\n")
    org = org_config_from_table(
        "uat-eu",
        {
            "auth": "password",
            "client_id": "c",
            "username": "u",
            "password_env": "MY_PW",
            "client_secret_file": "secret.txt",
        },
        base_dir=tmp_path,
    )
    env = {"MY_PW": "pw", "APIONLY_UAT_EU_SECURITY_TOKEN": "tok"}
    assert org.secret("password", env) == "pw"
    assert org.secret("client_secret", env) == "from-file"
    assert org.secret("security_token", env) == "tok"
    assert default_env_var("uat-eu", "security_token") == "APIONLY_UAT_EU_SECURITY_TOKEN"


def test_missing_secret_says_where_it_was_expected(tmp_path):
    org = org_config_from_table("prod", {"auth": "sfdx-url"}, base_dir=tmp_path)
    with pytest.raises(AuthError, match=r"auth_url is not set; put it in \$APIONLY_PROD_AUTH_URL"):
        org.secret("auth_url", {})


def test_secret_value_is_not_in_repr():
    secret = Secret(value="hunter2")
    org = OrgConfig(name="x", flow=Flow.ACCESS_TOKEN, secrets={"access_token": secret})
    assert "hunter2" not in repr(secret) and "hunter2" not in repr(org)


@pytest.mark.parametrize(("name", "flow"), [("local", Flow.LOCAL), ("prod", Flow.ACCESS_TOKEN)])
def test_resolve_org(tmp_path, name, flow):
    orgs = {"prod": {"auth": "access-token", "instance_url": "https://acme.my.salesforce.com"}}
    assert resolve_org(name, orgs, base_dir=tmp_path, environ={}).flow is flow


def test_resolve_unknown_org_suggests(tmp_path):
    with pytest.raises(ConfigError, match=r"no org named 'prd' \(did you mean 'prod'\?\)"):
        resolve_org("prd", {"prod": {"auth": "jwt"}}, base_dir=tmp_path, environ={})


# --- -o env ---------------------------------------------------------------------------------


def test_env_access_token():
    env = {"APIONLY_INSTANCE_URL": "https://acme.my.salesforce.com", "APIONLY_ACCESS_TOKEN": "t"}
    org = org_from_env(env)
    assert org.flow is Flow.ACCESS_TOKEN and org.secret("access_token", env) == "t"


def test_env_auth_url():
    env = {"APIONLY_AUTH_URL": "force://PlatformCLI::r@acme.my.salesforce.com"}
    assert org_from_env(env).flow is Flow.SFDX_URL


def test_env_client_credentials():
    env = {
        "APIONLY_LOGIN_URL": "https://acme.my.salesforce.com",
        "APIONLY_CLIENT_ID": "c",
        "APIONLY_CLIENT_SECRET": "s",
    }
    org = org_from_env(env)
    assert org.flow is Flow.CLIENT_CREDENTIALS and org.secret("client_secret", env) == "s"


def test_env_jwt():
    env = {
        "APIONLY_LOGIN_URL": "https://login.salesforce.com",
        "APIONLY_CLIENT_ID": "c",
        "APIONLY_USERNAME": "u",
        "APIONLY_JWT_KEY_FILE": "/keys/k.pem",
    }
    org = org_from_env(env)
    assert (org.flow, org.username, org.key_file) == (Flow.JWT, "u", Path("/keys/k.pem"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "no credentials in the environment"),
        ({"APIONLY_ACCESS_TOKEN": "t"}, "APIONLY_INSTANCE_URL must be set"),
        (
            {"APIONLY_LOGIN_URL": "https://x.example", "APIONLY_CLIENT_ID": "c"},
            "APIONLY_CLIENT_SECRET must be set",
        ),
    ],
)
def test_env_incomplete(env, message):
    with pytest.raises(ConfigError, match=message):
        org_from_env(env)


# --- every flow against the local org over HTTPS -------------------------------------------------


def _login(org: OrgConfig, env: dict[str, str]):
    from apionly_deploy.salesforce.auth import http_for, login
    from apionly_deploy.salesforce.metadata_api import MetadataClient

    http = http_for(org)
    session = login(org, http, environ=env)
    client = MetadataClient(
        http,
        instance_url=session.instance_url,
        access_token=session.access_token,
        api_version="62.0",
    )
    # A Metadata API call proves the session works.
    types = {t.xml_name for t in client.describe_metadata().types}
    assert "PermissionSet" in types
    return session


def _table(emulator, flow: str, **extra: str) -> dict[str, str]:
    return {
        "auth": flow,
        "login_url": emulator.login_url,
        "ca_cert": str(emulator.ca_cert),
        **extra,
    }


@pytest.mark.parametrize(
    "flow",
    [
        "client-credentials",
        "password",
        "soap-login",
        "refresh-token",
        "jwt",
        "sfdx-url",
        "access-token",
    ],
)
def test_each_flow_logs_in_to_the_local_org(emulator, emulator_jwt_key, tmp_path, flow):
    tables = {
        "client-credentials": _table(emulator, flow, client_id=emulator.client_id),
        "password": _table(
            emulator, flow, client_id=emulator.client_id, username=emulator.username
        ),
        "soap-login": _table(emulator, flow, username=emulator.username),
        "refresh-token": _table(
            emulator, flow, client_id=emulator.client_id, instance_url=emulator.instance_url
        ),
        "jwt": _table(
            emulator,
            flow,
            client_id=emulator.client_id,
            username=emulator.username,
            key_file=str(emulator_jwt_key),
        ),
        "sfdx-url": _table(emulator, flow),
        "access-token": _table(emulator, flow, instance_url=emulator.instance_url),
    }
    host = emulator.instance_url.split("://", 1)[1]
    env = {
        "APIONLY_CI_CLIENT_SECRET": emulator.client_secret,
        "APIONLY_CI_PASSWORD": emulator.password,
        "APIONLY_CI_REFRESH_TOKEN": emulator.refresh_token,
        "APIONLY_CI_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_CI_AUTH_URL": f"force://{emulator.client_id}:{emulator.client_secret}:"
        f"{emulator.refresh_token}@{host}",
    }
    org = org_config_from_table("ci", tables[flow], base_dir=tmp_path)
    session = _login(org, env)
    assert session.instance_url == emulator.instance_url
    assert session.refreshable is (flow != "access-token")


@pytest.mark.parametrize("kind", ["access-token", "auth-url", "client-credentials", "jwt"])
def test_env_org_logs_in(emulator, emulator_jwt_key, kind):
    host = emulator.instance_url.split("://", 1)[1]
    base = {"APIONLY_CA_CERT": str(emulator.ca_cert)}
    env = {
        "access-token": {
            "APIONLY_INSTANCE_URL": emulator.instance_url,
            "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        },
        "auth-url": {
            "APIONLY_AUTH_URL": f"force://{emulator.client_id}:{emulator.client_secret}:"
            f"{emulator.refresh_token}@{host}"
        },
        "client-credentials": {
            "APIONLY_LOGIN_URL": emulator.login_url,
            "APIONLY_CLIENT_ID": emulator.client_id,
            "APIONLY_CLIENT_SECRET": emulator.client_secret,
        },
        "jwt": {
            "APIONLY_LOGIN_URL": emulator.login_url,
            "APIONLY_CLIENT_ID": emulator.client_id,
            "APIONLY_USERNAME": emulator.username,
            "APIONLY_JWT_KEY_FILE": str(emulator_jwt_key),
        },
    }[kind]
    env.update(base)
    assert _login(org_from_env(env), env).instance_url == emulator.instance_url


@pytest.mark.parametrize(
    ("flow", "extra", "env", "message"),
    [
        ("client-credentials", {}, {"APIONLY_CI_CLIENT_SECRET": "wrong"}, "invalid_client"),
        (
            "password",
            {"username": "nobody@example.com"},
            {"APIONLY_CI_PASSWORD": "x", "APIONLY_CI_CLIENT_SECRET": "__secret__"},
            "invalid_grant",
        ),
        (
            "refresh-token",
            {},
            {"APIONLY_CI_REFRESH_TOKEN": "5Aep-nope"},
            "invalid_grant: expired access/refresh token",
        ),
        (
            "soap-login",
            {"username": "nobody@example.com"},
            {"APIONLY_CI_PASSWORD": "x"},
            "INVALID_LOGIN",
        ),
    ],
)
def test_wrong_credentials_give_the_flows_own_error(emulator, tmp_path, flow, extra, env, message):
    from apionly_deploy.salesforce.auth import http_for, login

    env = {k: emulator.client_secret if v == "__secret__" else v for k, v in env.items()}
    table = _table(emulator, flow, client_id=emulator.client_id, **extra)
    if flow == "soap-login":
        table.pop("client_id")
    org = org_config_from_table("ci", table, base_dir=tmp_path)
    with pytest.raises(AuthError, match=message) as info:
        login(org, http_for(org), environ=env)
    assert info.value.exit_code == 3
    assert all(secret not in str(info.value) for secret in env.values() if len(secret) > 3)


def test_jwt_signed_by_an_unknown_key_is_refused(emulator, emulator_jwt_key, tmp_path, rsa_key):
    from apionly_deploy.salesforce.auth import http_for, login

    key_file = tmp_path / "other.pem"
    key_file.write_bytes(pem(rsa_key))
    org = org_config_from_table(
        "ci",
        _table(
            emulator,
            "jwt",
            client_id=emulator.client_id,
            username=emulator.username,
            key_file=str(key_file),
        ),
        base_dir=tmp_path,
    )
    with pytest.raises(AuthError, match=r"jwt login to 127\.0\.0\.1:[0-9]+ refused: invalid_grant"):
        login(org, http_for(org), environ={})


def test_ca_bundle_variables_do_not_override_the_orgs_own_ca(emulator, tmp_path, monkeypatch):
    """REQUESTS_CA_BUNDLE pointing elsewhere must not break trust in the local org's CA."""
    bogus = tmp_path / "bundle.pem"
    bogus.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bogus))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bogus))
    org = org_config_from_table(
        "ci",
        _table(emulator, "client-credentials", client_id=emulator.client_id),
        base_dir=tmp_path,
    )
    _login(org, {"APIONLY_CI_CLIENT_SECRET": emulator.client_secret})


def test_without_the_ca_requests_ca_bundle_is_honoured(emulator, tmp_path, monkeypatch):
    """An org with no ca_cert trusts what the environment says (REQUESTS_CA_BUNDLE)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_cert))
    table = _table(emulator, "client-credentials", client_id=emulator.client_id)
    table.pop("ca_cert")
    org = org_config_from_table("ci", table, base_dir=tmp_path)
    _login(org, {"APIONLY_CI_CLIENT_SECRET": emulator.client_secret})


def test_file_paths_expand_home_and_are_relative_to_the_project(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("a CA bundle\n")  # a missing one is refused
    org = org_config_from_table(
        "dev",
        {"auth": "sfdx-url", "auth_url_file": "~/dev-url", "ca_cert": "certs/ca.pem"},
        base_dir=tmp_path,
    )
    assert org.secrets["auth_url"].file == tmp_path / "home" / "dev-url"
    assert org.ca_cert == tmp_path / "certs" / "ca.pem"
