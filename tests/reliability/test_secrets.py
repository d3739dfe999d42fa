"""Secrets never leak: every login flow, deploys that succeed and fail, users, doctor, retrieve
and error paths run as real processes with -vv; every byte they print or write (stdout, stderr
with debug logs, --json, JUnit, the GitHub summary, the job file) is searched for every secret.
Also: exposed key files get a warning; TLS is verified; plain http only to loopback."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo, running_emulator
from apionly_deploy.emulator.store import Store
from apionly_deploy.emulator.testing import register_jwt_client

from .support import run_subprocess, write_metadata_dir

SAMPLE = Path(__file__).resolve().parents[2] / "sample-project"
WRONG_SECRET = "WrongSecretQ7ZK3PX9VV2M4L8"


def org_tables(info: EmulatorInfo, key_file: Path) -> str:
    common = f"login_url = '{info.login_url}'\nca_cert = '{info.ca_cert}'\n"
    cid = f"client_id = '{info.client_id}'\n"
    user = f"username = '{info.username}'\n"
    return (
        f"[orgs.cc]\nauth = 'client-credentials'\n{common}{cid}\n"
        f"[orgs.pw]\nauth = 'password'\n{common}{cid}{user}\n"
        f"[orgs.soap]\nauth = 'soap-login'\n{common}{user}\n"
        f"[orgs.refresh]\nauth = 'refresh-token'\n{common}{cid}"
        f"instance_url = '{info.instance_url}'\n\n"
        f"[orgs.sfdx]\nauth = 'sfdx-url'\n{common}\n"
        f"[orgs.jwt]\nauth = 'jwt'\n{common}{cid}{user}key_file = '{key_file}'\n"
        f"audience = '{info.login_url}'\n\n"
        f"[orgs.token]\nauth = 'access-token'\n{common}instance_url = '{info.instance_url}'\n\n"
        f"[orgs.wrong]\nauth = 'client-credentials'\n{common}{cid}"
        "client_secret_env = 'WRONG_SECRET'\n"
    )


def secret_env(info: EmulatorInfo, token: str) -> dict[str, str]:
    host = info.instance_url.split("://", 1)[1]
    password, security = info.password[:-8], info.password[-8:]
    return {
        "APIONLY_CC_CLIENT_SECRET": info.client_secret,
        "APIONLY_PW_CLIENT_SECRET": info.client_secret,
        "APIONLY_PW_PASSWORD": password,
        "APIONLY_PW_SECURITY_TOKEN": security,
        "APIONLY_SOAP_PASSWORD": info.password,
        "APIONLY_REFRESH_REFRESH_TOKEN": info.refresh_token,
        "APIONLY_REFRESH_CLIENT_SECRET": info.client_secret,
        "APIONLY_SFDX_AUTH_URL": f"force://{info.client_id}:{info.client_secret}:"
        f"{info.refresh_token}@{host}",
        "APIONLY_TOKEN_ACCESS_TOKEN": token,
        "WRONG_SECRET": WRONG_SECRET,
        "APIONLY_POLL_INTERVAL": "0:0",
        "GITHUB_ACTIONS": "true",
    }


def secrets_of(info: EmulatorInfo, issued: list[str], key_pem: bytes) -> dict[str, str]:
    body = b"".join(key_pem.splitlines()[1:-1]).decode()
    found = {
        "client_secret": info.client_secret,
        "password": info.password,
        "password part": info.password[:-8],
        "security token": info.password[-8:],
        "refresh_token": info.refresh_token,
        "admin_token": info.admin_token,
        "wrong secret": WRONG_SECRET,
        "private key": body[10:60],
    }
    found.update({f"session {n}": token for n, token in enumerate(issued)})
    return found


@pytest.fixture
def issued(emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every access token the org issues from now on (sessions are deleted once expired)."""
    tokens = [emulator.access_token]
    real = emulator.org.issue_session

    def issue(*args, **kwargs):
        session = real(*args, **kwargs)
        tokens.append(session.token)
        return session

    monkeypatch.setattr(emulator.org, "issue_session", issue)
    return tokens


def test_no_secret_in_any_output(emulator, issued, tmp_path: Path) -> None:
    emulator.configure(deploy_polls=2)
    key = register_jwt_client(emulator)
    key_file = key.write_key(tmp_path / "jwt.pem")
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".apionly", "out"))
    with (project / "apionly.toml").open("a") as handle:
        handle.write("\n" + org_tables(emulator, key_file))
    good = write_metadata_dir(tmp_path / "good", ["Good"])
    bad = write_metadata_dir(tmp_path / "bad", ["Bad"], permission="NoSuchPermission")
    reports = tmp_path / "reports"
    reports.mkdir()
    env = secret_env(emulator, emulator.new_access_token())
    env["GITHUB_STEP_SUMMARY"] = str(reports / "summary.md")
    p = ("-p", str(project))

    def deploy(org: str, folder: Path, *extra: str) -> list[str]:
        return [
            "-vv",
            "deploy",
            "start",
            *p,
            "-o",
            org,
            "--metadata-dir",
            str(folder),
            "--junit",
            str(reports / f"{org}-{folder.name}.xml"),
            *extra,
        ]

    flows = [
        deploy(org, good, "--json")
        for org in ("cc", "pw", "soap", "refresh", "sfdx", "jwt", "token")
    ]
    flows += [
        deploy("cc", bad),
        deploy("cc", bad, "--json"),
        deploy("wrong", good, "--json"),
        ["-vv", "deploy", "start", *p, "-o", "nowhere"],
        ["-vv", "deploy", "start", *p, "-o", "cc", "--metadata-dir", str(good), "--dry-run"],
    ]
    runs = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs += pool.map(lambda args: run_subprocess(args, env), flows)
    sequence = [
        ["-vv", "deploy", "start", *p, "-o", "cc", "--junit", str(reports / "project.xml")],
        ["-vv", "users", "plan", *p, "-o", "cc", "--json"],
        ["-vv", "users", "apply", *p, "-o", "cc"],
        ["-vv", "users", "apply", *p, "-o", "pw", "--json"],
        ["-vv", "doctor", *p, "-o", "jwt"],
        ["-vv", "doctor", *p, "-o", "sfdx", "--json"],
        ["-vv", "retrieve", *p, "-o", "refresh", "--permission-set", "ERP_Accounts"],
        ["-vv", "deploy", "report", *p, "-o", "cc", "--json"],
    ]
    runs += [run_subprocess(args, env) for args in sequence]
    emulator.faults.expire_sessions_after(1)  # error paths: an expired session, a 503
    runs.append(run_subprocess(deploy("token", good), env))
    emulator.faults.expire_sessions_after(None)
    emulator.faults.http_error(503, match="deploy")
    runs.append(run_subprocess(deploy("soap", good), env))

    codes = [r.returncode for r in runs]
    assert codes[:7] == [0] * 7, [r.stderr for r in runs[:7]]
    assert codes[7:12] == [1, 1, 3, 3, 0] and codes[12:20] == [0] * 8, codes
    assert codes[20:] == [3, 4]
    assert any("DEBUG" in r.stderr for r in runs)  # the logs were on
    outputs = [f"{r.stdout}\n{r.stderr}" for r in runs]
    outputs += [f.read_text() for f in reports.iterdir()]
    outputs += [f.read_text() for f in (project / ".apionly").glob("*.json")]
    outputs += [f.read_text() for f in (project / "retrieved").rglob("*") if f.is_file()]
    assert len(outputs) > len(runs) + 10
    for what, secret in secrets_of(emulator, issued, key.private_key_pem).items():
        leaks = [n for n, text in enumerate(outputs) if secret in text]
        assert not leaks, f"{what} appears in output(s) {leaks}"


def test_local_org_secrets_stay_in_its_folder(tmp_path: Path) -> None:
    """`-o local`: the embedded org's credentials and sessions never reach the output."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns(".apionly", "out"))
    runs = [
        run_subprocess(["-vv", "deploy", "start", "-p", str(project), "-o", "local", "--json"], {})
    ]
    runs.append(run_subprocess(["-vv", "users", "apply", "-p", str(project), "-o", "local"], {}))
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    store = Store(project / ".apionly" / "local-org" / "org.sqlite3")
    try:
        secrets = [
            store.get_meta(k) or ""
            for k in ("client_secret", "password", "refresh_token", "admin_token")
        ]
        secrets += store.session_tokens()
    finally:
        store.close()
    assert len(secrets) >= 5 and all(secrets)
    for text in (f"{r.stdout}\n{r.stderr}" for r in runs):
        assert not [s for s in secrets if s in text]
    state = project / ".apionly" / "local-org"
    for path in (state, state / "org.sqlite3", state / "tls" / "server-key.pem"):
        assert not path.stat().st_mode & 0o077, f"{path} is open to other users"


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_a_key_file_readable_by_others_gets_a_warning(emulator, tmp_path, mode, warned):
    key_file = register_jwt_client(emulator).write_key(tmp_path / "jwt.pem")
    key_file.chmod(mode)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(emulator.client_secret)
    secret_file.chmod(mode)
    (tmp_path / "apionly.toml").write_text(
        "[project]\nname = 'x'\n\n"
        f"[orgs.jwt]\nauth = 'jwt'\nlogin_url = '{emulator.login_url}'\n"
        f"ca_cert = '{emulator.ca_cert}'\nclient_id = '{emulator.client_id}'\n"
        f"username = '{emulator.username}'\nkey_file = 'jwt.pem'\n"
        f"audience = '{emulator.login_url}'\n\n"
        f"[orgs.cc]\nauth = 'client-credentials'\nlogin_url = '{emulator.login_url}'\n"
        f"ca_cert = '{emulator.ca_cert}'\nclient_id = '{emulator.client_id}'\n"
        "client_secret_file = 'secret.txt'\n"
    )
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    for org, what in (("jwt", "JWT key file"), ("cc", "secret file")):
        done = run_subprocess(
            [
                "deploy",
                "start",
                "-p",
                str(tmp_path),
                "-o",
                org,
                "--metadata-dir",
                str(folder),
                "--async",
            ],
            {},
        )
        assert done.returncode == 0, done.stderr
        warning = f"{what} {tmp_path}/"
        assert (warning in done.stderr) is warned, done.stderr
        if warned:
            assert "can be read by other users" in done.stderr and "chmod 600" in done.stderr


def test_plain_http_is_refused_except_to_loopback(tmp_path: Path) -> None:
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    with running_emulator(tls=False) as plain:
        assert plain.instance_url.startswith("http://127.0.0.1:")
        env = {
            "APIONLY_INSTANCE_URL": plain.instance_url,
            "APIONLY_ACCESS_TOKEN": plain.new_access_token(),
            "APIONLY_POLL_INTERVAL": "0:0",
        }
        ok = run_subprocess(
            ["deploy", "start", "-p", str(tmp_path), "-o", "env", "--metadata-dir", str(folder)],
            env,
        )
        assert ok.returncode == 0, ok.stderr
    for url in ("http://example.com", "http://10.0.0.1:8080", "ftp://example.com"):
        env = {"APIONLY_INSTANCE_URL": url, "APIONLY_ACCESS_TOKEN": "x"}
        refused = run_subprocess(
            ["deploy", "start", "-p", str(tmp_path), "-o", "env", "--metadata-dir", str(folder)],
            env,
        )
        assert refused.returncode == 3
        assert "https" in refused.stderr


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_tls_is_verified_whatever_the_environment_says(emulator, tmp_path, variable) -> None:
    """An org without ca_cert refuses the emulator's self-signed certificate even when a CA
    bundle variable points at a file without it; with ca_cert it is trusted even when the
    variable points elsewhere (requests lets these variables override Session.verify)."""
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    certifi_like = tmp_path / "other-ca.pem"
    certifi_like.write_text(_other_ca_pem())
    base = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_POLL_INTERVAL": "0:0",
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        variable: str(certifi_like),
    }
    args = ["deploy", "start", "-p", str(tmp_path), "-o", "env", "--metadata-dir", str(folder)]
    refused = run_subprocess(args, base)
    assert refused.returncode == 3 and "TLS verification" in refused.stderr
    trusted = run_subprocess(args, {**base, "APIONLY_CA_CERT": str(emulator.ca_cert)})
    assert trusted.returncode == 0, trusted.stderr


def _other_ca_pem() -> str:
    from apionly_deploy.emulator.testing import make_jwt_key_pair

    return make_jwt_key_pair().certificate_pem.decode()
