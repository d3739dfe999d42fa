"""`deploy start --with-users`: one command deploys the permissions, then provisions the users."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE_PROJECT

from apionly_deploy.cli import cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, target, ignore=shutil.ignore_patterns(".apionly", "out"))
    return target


def test_deploy_with_users_provisions_the_sample_users_on_the_local_org(project: Path) -> None:
    """After the deploy succeeds the users exist, so a users plan has nothing left to do."""
    runner = CliRunner()
    deployed = runner.invoke(
        cli,
        [
            "deploy",
            "start",
            "-p",
            str(project),
            "-o",
            "local",
            "--with-users",
            "--poll-interval",
            "0.05",
        ],
    )
    assert deployed.exit_code == 0, deployed.stderr
    assert "erp.integration@acme.example" in deployed.stdout
    assert "billing.integration@acme.example" in deployed.stdout
    plan = runner.invoke(cli, ["users", "plan", "-p", str(project), "-o", "local", "--json"])
    assert plan.exit_code == 0, plan.stderr
    document = json.loads(plan.stdout)
    assert document["summary"]["no-op"] == 2
    assert document["summary"]["steps"] == 0
    assert {user["action"] for user in document["users"]} == {"no-op"}


def test_a_dry_run_with_users_creates_no_users(project: Path) -> None:
    """A check-only deploy saves nothing, so no user is created either."""
    runner = CliRunner()
    deployed = runner.invoke(
        cli,
        [
            "deploy",
            "start",
            "-p",
            str(project),
            "-o",
            "local",
            "--with-users",
            "--dry-run",
            "--poll-interval",
            "0.05",
        ],
    )
    assert deployed.exit_code == 0, deployed.stderr
    assert "erp.integration@acme.example" not in deployed.stdout
