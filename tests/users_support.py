"""Shared helpers for the users, doctor and REST tests: `-o env` on the emulator, CLI runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result
from requests.adapters import BaseAdapter

from apionly_deploy.cli import cli
from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.salesforce.rest_api import RestClient

SAMPLE = Path(__file__).resolve().parent.parent / "sample-project"
ERP = "erp.integration@acme.example"
BILLING = "billing.integration@acme.example"


def point_env_at(emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `-o env` the emulator (an access token; deploys finish on the first poll)."""
    emulator.configure(deploy_polls=1)
    values = {
        "APIONLY_INSTANCE_URL": emulator.instance_url,
        "APIONLY_ACCESS_TOKEN": emulator.new_access_token(),
        "APIONLY_CA_CERT": str(emulator.ca_cert),
        "APIONLY_POLL_INTERVAL": "0:0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns(".apionly", "out"))
    return target


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def deploy(project: Path) -> None:
    result = invoke("deploy", "start", "-p", str(project), "-o", "env")
    assert result.exit_code == 0, result.output


def users_json(project: Path, verb: str, *flags: str) -> tuple[int, dict[str, Any]]:
    result = invoke("users", verb, "-p", str(project), "-o", "env", "--json", *flags)
    return result.exit_code, json.loads(result.stdout)


def org_user(emulator: EmulatorInfo, username: str) -> dict[str, Any] | None:
    return emulator.org.user_by_name(username)


def records(emulator: EmulatorInfo, sobject: str, **match: Any) -> list[dict[str, Any]]:
    return [
        r
        for r in emulator.org.store.records(sobject)
        if all(r.get(k) == v for k, v in match.items())
    ]


def set_fields(emulator: EmulatorInfo, sobject: str, match: dict[str, Any], **fields: Any) -> None:
    """Change the org behind the API's back (test setup: what an admin would click in Setup)."""
    (record,) = records(emulator, sobject, **match)
    emulator.org.store.update_record(str(record["Id"]), fields)


def drop_user(project: Path, username: str) -> None:
    """Remove one [users."NAME"] table from the project file."""
    path = project / "apionly.toml"
    text = path.read_text()
    start = text.index(f'[users."{username}"]')
    end = text.find("\n[", start + 1)
    path.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""))


class Scripted(BaseAdapter):
    """A transport that answers from a script and records what was sent (for shapes the
    emulator cannot be made to produce)."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        super().__init__()
        self.answers = answers
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = b"" if body is None else json.dumps(body).encode()
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def scripted(*answers: tuple[int, Any]) -> tuple[RestClient, Scripted]:
    """Return a REST client whose transport plays ``answers`` in order."""
    session = requests.Session()
    adapter = Scripted(list(answers))
    session.mount("https://", adapter)
    return RestClient(session, "https://acme.my.salesforce.com", "00D!t"), adapter
