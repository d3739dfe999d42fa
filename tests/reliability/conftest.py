"""Fixtures of the reliability tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the CLI's retry and REQUEST_LIMIT_EXCEEDED waits milliseconds instead of seconds."""
    from apionly_deploy.cli import deploy as deploy_cli

    parse: Callable[[str], object] = deploy_cli._policy

    def policy(text: str) -> object:
        return dataclasses.replace(
            parse(text),  # type: ignore[type-var]
            retry_initial=0.005,
            retry_maximum=0.02,
            limit_wait=0.01,
        )

    monkeypatch.setattr(deploy_cli, "_policy", policy)
