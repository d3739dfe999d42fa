"""State survives a restart; local_org; the CLI command; 20 concurrent deploys."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from apionly_deploy.emulator import EmulatorInfo, local_org, running_emulator
from tests.emulator.conftest import Soap, make_zip, package_xml, permission_set, ps_zip, text


def _session(info: EmulatorInfo) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(info.ca_cert) if info.ca_cert else True
    return session


def test_state_and_credentials_survive_a_restart(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as first:
        soap = Soap(first, _session(first))
        soap.wait(soap.deploy(ps_zip()))
        credentials = (first.org_id, first.username, first.client_secret)
        pending = soap.deploy(ps_zip("Later"))
    with running_emulator(data_dir=tmp_path) as second:
        assert (second.org_id, second.username, second.client_secret) == credentials
        assert second.org.store.get_component("PermissionSet", "ERP_Integration") is not None
        soap = Soap(second, _session(second))
        assert text(soap.wait(pending), "status") == "Succeeded"
        assert (tmp_path / "tls" / "ca.pem").exists()


def test_local_org_keeps_its_state_in_the_project(tmp_path: Path) -> None:
    with local_org(tmp_path) as info:
        soap = Soap(info, _session(info))
        result = soap.status(soap.deploy(ps_zip()))
        assert text(result, "status") == "Succeeded"
    assert (tmp_path / ".apionly" / "local-org" / "org.sqlite3").exists()


def test_plain_http_on_loopback_only(tmp_path: Path) -> None:
    with running_emulator(tls=False) as info:
        assert info.instance_url.startswith("http://127.0.0.1:")
        assert info.ca_cert is None
        Soap(info, _session(info)).call(
            "<m:describeMetadata><m:asOfVersion>62.0</m:asOfVersion></m:describeMetadata>"
        )
    with pytest.raises(ValueError, match="loopback"):
        running_emulator(host="0.0.0.0").__enter__()  # noqa: S104 - the refusal is the test


def test_cli_serves_writes_info_and_stops_on_sigterm(tmp_path: Path) -> None:
    info_file = tmp_path / "info.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apionly_deploy",
            "emulator",
            "--data-dir",
            str(tmp_path / "org"),
            "--info-file",
            str(info_file),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 20
        while not info_file.exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        data = json.loads(info_file.read_text())
        assert set(data) >= {
            "instance_url",
            "login_url",
            "ca_cert",
            "org_id",
            "username",
            "password",
            "client_id",
            "client_secret",
            "access_token",
        }
        assert oct(info_file.stat().st_mode & 0o777) == "0o600"
        session = requests.Session()
        session.trust_env = False
        token = session.post(
            f"{data['login_url']}/services/oauth2/token",
            verify=data["ca_cert"],
            data={
                "grant_type": "client_credentials",
                "client_id": data["client_id"],
                "client_secret": data["client_secret"],
            },
        )
        assert token.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Local org stopped; state saved." in stderr
    assert data["password"] not in stderr


def test_cli_refuses_a_non_loopback_host() -> None:
    from click.testing import CliRunner

    from apionly_deploy.cli import cli

    result = CliRunner().invoke(cli, ["emulator", "--host", "0.0.0.0"])  # noqa: S104
    assert result.exit_code == 3
    assert "not a loopback address" in result.output


def test_twenty_concurrent_deploys_from_twenty_clients(emulator: EmulatorInfo) -> None:
    """Each client deploys its own set and polls; no result is lost or crossed."""
    emulator.configure(deploy_polls=3)

    def client(i: int) -> tuple[str, list[str]]:
        soap = Soap(emulator, _session(emulator))
        soap.token = emulator.new_access_token()
        name = f"Set_{i:02d}"
        files = {
            "package.xml": package_xml(("PermissionSet", [name])),
            f"permissionsets/{name}.permissionset": permission_set("ApiEnabled", label=name),
        }
        result = soap.wait(soap.deploy(make_zip(files)))
        names = [
            e.text or "" for e in result.iterfind("{*}details/{*}componentSuccesses/{*}fullName")
        ]
        return text(result, "status"), names

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(client, range(20)))
    for i, (status, names) in enumerate(outcomes):
        assert status == "Succeeded"
        assert names == ["package.xml", f"Set_{i:02d}"]
    stored = {c.full_name for c in emulator.org.store.components("PermissionSet")}
    assert stored == {f"Set_{i:02d}" for i in range(20)}
