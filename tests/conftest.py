"""Shared fixtures: every test runs with a throwaway HOME and no APIONLY_* from the caller."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
