"""The Salesforce CLI's habits hold on every command: -o/--target-org with APIONLY_TARGET_ORG,
-w/--wait, --json (one document on stdout, nothing else there), -v after the subcommand."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from apionly_deploy.cli import cli
from apionly_deploy.cli.main import _verbose_first
from tests.conftest import SAMPLE_PROJECT
from tests.sfdx_support import make_sfdx_repo

DIFF = Path(__file__).resolve().parent / "fixtures" / "diff" / "crafted"
#: Commands that print no result of their own (a server).
NO_RESULT = {"emulator"}


def leaf_commands() -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                inner = command.get_command(ctx, sub)
                assert inner is not None
                yield f"{name} {sub}", inner
        else:
            yield name, command


def options(command: click.Command) -> dict[str, click.Option]:
    return {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}


COMMANDS = dict(leaf_commands())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_org_option_is_o_target_org_with_the_env_variable(name: str):
    found = options(COMMANDS[name])
    org = found.get("-o")
    if org is None:
        assert "--target-org" not in found
        return
    assert "--target-org" in org.opts
    assert org.envvar == "APIONLY_TARGET_ORG"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_wait_has_w_and_every_result_has_json(name: str):
    found = options(COMMANDS[name])
    if "--wait" in found:
        assert "-w" in found["--wait"].opts
    if name not in NO_RESULT:
        assert "--json" in found


def test_verbose_moves_in_front_but_not_past_double_dash():
    args = ["deploy", "start", "-vv", "-o", "local", "--", "-v"]
    assert _verbose_first(args) == ["-vv", "deploy", "start", "-o", "local", "--", "-v"]


def test_verbose_after_the_subcommand_is_accepted():
    result = CliRunner().invoke(cli, ["validate", "-p", str(SAMPLE_PROJECT), "-v"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT, target, ignore=shutil.ignore_patterns(".apionly"))
    monkeypatch.chdir(target)
    return target


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["render", "--out", "out/x"],
        ["package"],
        ["diff", str(DIFF / "base"), str(DIFF / "head")],
        ["diff", "-o", "uat"],
        ["users", "plan"],
        ["doctor"],
        ["deploy", "start"],
        ["deploy", "report"],
        ["retrieve", "--permission-set", "ERP_Accounts"],
        ["init", "fresh"],
    ],
)
def test_json_is_one_document_on_stdout_and_the_env_org_is_used(project: Path, args: list[str]):
    if args[:2] == ["diff", "-o"]:
        git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
        for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
            subprocess.run([*git, *step], check=True)
    if args[0] in {"retrieve", "deploy"} and args[-1] != "start":
        assert CliRunner().invoke(cli, ["deploy", "start", "-o", "local"]).exit_code == 0
    result = CliRunner().invoke(cli, [*args, "--json"], env={"APIONLY_TARGET_ORG": "local"})
    assert result.exit_code in (0, 1), result.output
    json.loads(result.stdout)


def test_import_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(make_sfdx_repo(tmp_path))
    result = CliRunner().invoke(cli, ["import", "force-app", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == ["PermissionSet Erp_Sync"]
