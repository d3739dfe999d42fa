"""Helpers of the reliability tests: a project whose orgs point at emulators, the real CLI
(in process and as a subprocess), and the emulator's own record of what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from apionly_deploy.cli import cli
from apionly_deploy.emulator import EmulatorInfo

PACKAGE_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
"""
PACKAGE_TAIL = """        <name>PermissionSet</name>
    </types>
    <version>62.0</version>
</Package>
"""
PERMSET = """<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>{name}</label>
    <userPermissions>
        <enabled>true</enabled>
        <name>{permission}</name>
    </userPermissions>
</PermissionSet>
"""


def write_metadata_dir(
    folder: Path, names: Sequence[str], *, permission: str = "ApiEnabled"
) -> Path:
    """Write a Metadata API folder with one permission set per name."""
    (folder / "permissionsets").mkdir(parents=True)
    members = "".join(f"        <members>{n}</members>\n" for n in names)
    (folder / "package.xml").write_text(PACKAGE_HEAD + members + PACKAGE_TAIL)
    for name in names:
        body = PERMSET.format(name=name, permission=permission)
        (folder / "permissionsets" / f"{name}.permissionset").write_text(body)
    return folder


def org_table(name: str, info: EmulatorInfo, flow: str = "client-credentials") -> str:
    """Return an ``[orgs.NAME]`` table that logs in to ``info`` with ``flow``."""
    return (
        f"[orgs.{name}]\nauth = '{flow}'\nlogin_url = '{info.login_url}'\n"
        f"client_id = '{info.client_id}'\nca_cert = '{info.ca_cert}'\n"
    )


def write_project(folder: Path, orgs: dict[str, EmulatorInfo]) -> Path:
    """Write a project with only ``[orgs]`` tables (deploys use --metadata-dir)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = "\n".join(org_table(name, info) for name, info in orgs.items())
    (folder / "apionly.toml").write_text(f"[project]\nname = 'reliability'\n\n{tables}")
    return folder


def secret_env(orgs: dict[str, EmulatorInfo]) -> dict[str, str]:
    """Return the client secret variables of ``orgs`` (``APIONLY_<ORG>_CLIENT_SECRET``)."""
    return {f"APIONLY_{n.upper()}_CLIENT_SECRET": i.client_secret for n, i in orgs.items()}


def deploy_jobs(info: EmulatorInfo) -> list[tuple[str, str]]:
    """Return ``(id, status)`` of every deploy the org accepted, as the org sees it now."""
    return [
        (job_id, str(info.org.deploys.status(job_id, poll=False)[0]["status"]))
        for job_id, _ in info.org.store.jobs("deploy")
    ]


@dataclass
class Cli:
    """The real command line, in process (CliRunner) with short retry back-offs."""

    env: dict[str, str]

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)


def run_subprocess(
    args: Sequence[str], env: dict[str, str], *, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m apionly_deploy ARGS`` and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "apionly_deploy", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_subprocess(args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``python -m apionly_deploy ARGS`` without waiting."""
    return subprocess.Popen(
        [sys.executable, "-m", "apionly_deploy", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def json_of(text: str) -> dict[str, object]:
    """Return the one JSON document a ``--json`` run printed."""
    document = json.loads(text)
    assert isinstance(document, dict)
    return document


def wait_for(condition: Callable[[], bool], *, timeout: float = 20.0) -> None:
    """Wait until another thread or process makes ``condition`` true (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)
