"""Shared fixtures: every test runs with a throwaway HOME and no APIONLY_* from the caller."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from apionly_deploy.emulator import EmulatorInfo

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_PROJECT = REPO / "sample-project"


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for key in list(os.environ):
        if key.startswith(("APIONLY_", "SF_", "GITHUB_")) and key != "APIONLY_UPDATE_GOLDEN":
            monkeypatch.delenv(key)
    monkeypatch.setenv("NO_COLOR", "1")
    yield


@pytest.fixture
def emulator() -> Iterator[EmulatorInfo]:
    """A fresh local org over HTTPS on 127.0.0.1 (in-memory state), stopped after the test.

    ``emulator.faults`` injects faults, ``emulator.configure(deploy_polls=...)`` scripts deploy
    timing, ``emulator.requests`` logs calls; see apionly_deploy/emulator/api.py.
    """
    from apionly_deploy.emulator import running_emulator

    with running_emulator() as info:
        yield info


@pytest.fixture
def emulator_jwt_key(emulator: EmulatorInfo, tmp_path: Path) -> Path:
    """A private key file whose certificate the emulator trusts for its client id (JWT)."""
    from apionly_deploy.emulator.testing import register_jwt_client

    return register_jwt_client(emulator).write_key(tmp_path / "jwt-key.pem")
