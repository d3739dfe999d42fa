"""The GitHub Action, the pre-commit hooks and the install lines agree with the CLI."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from apionly_deploy.cli import cli

REPO = Path(__file__).resolve().parent.parent
ACTION = (REPO / "action.yml").read_text(encoding="utf-8")
HOOKS = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
#: Sample values for the shell variables the action's command lines use.
SHELL_VALUES = {
    '"$PROJECT"': "sample-project",
    '"${FAIL_ON:-error}"': "error",
    '"$FAIL_ON"': "high",
}


def parse(args: list[str]) -> click.Context:
    """Parse ``args`` the way the CLI does, down to the leaf command, without running it."""
    ctx = cli.make_context("apionly-deploy", list(args))
    command: click.Command = cli
    while isinstance(command, click.Group):
        name, sub, rest = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert sub is not None and name is not None
        ctx = sub.make_context(name, rest, parent=ctx)
        command = sub
    return ctx


def action_commands() -> list[list[str]]:
    lines = []
    for raw in ACTION.splitlines():
        line = raw.strip()
        if not line.startswith("apionly-deploy "):
            continue
        line = re.split(r" \| | > | ;;", line)[0]
        for variable, value in SHELL_VALUES.items():
            line = line.replace(variable, value)
        assert "$" not in line, f"action.yml: unexpected shell variable in {raw!r}"
        lines.append(shlex.split(line)[1:])
    return lines


def test_the_action_runs_validate_diff_and_deploy():
    verbs = [" ".join(args[:2]) for args in action_commands()]
    assert verbs == ["validate -p", "diff -p", "diff -p", "deploy start"]


@pytest.mark.parametrize("args", action_commands(), ids=" ".join)
def test_every_action_command_parses(args: list[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("APIONLY_TARGET_ORG", "local")  # the action passes `org` so
    parse(args)


def test_the_action_uses_only_its_inputs_and_installs_from_its_checkout():
    inputs = ACTION.split("\noutputs:")[0]
    declared = set(re.findall(r"^  ([a-z-]+):\n    description", inputs, flags=re.M))
    used = set(re.findall(r"inputs\.([a-z-]+)", ACTION))
    assert used <= declared == {"command", "project", "org", "fail-on", "python-version"}
    assert 'pip" install --quiet "$GITHUB_ACTION_PATH"' in ACTION
    assert "APIONLY_TARGET_ORG: ${{ inputs.org }}" in ACTION


def hooks() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for block in HOOKS.split("\n- id: ")[1:]:
        hook_id, _, body = block.partition("\n")
        found[hook_id] = dict(re.findall(r"^  (entry|files): (.+)$", body, flags=re.M))
    return found


@pytest.mark.parametrize(
    ("hook", "matches", "ignores"),
    [
        (
            "apionly-validate-metadata",
            [
                "force-app/main/default/permissionsets/A.permissionset-meta.xml",
                "src/profiles/Admin.profile",
                "x/mutingpermissionsets/M.mutingpermissionset-meta.xml",
                "x/permissionsetgroups/G.permissionsetgroup-meta.xml",
            ],
            ["force-app/main/default/classes/A.cls-meta.xml", "package.xml"],
        ),
        ("apionly-validate-project", ["apionly.toml", "sub/apionly.toml"], ["xapionly.toml"]),
    ],
)
def test_hooks_pick_their_files_and_their_entry_parses(
    hook: str, matches: list[str], ignores: list[str], tmp_path: Path
):
    spec = hooks()[hook]
    pattern = re.compile(spec["files"])
    assert all(pattern.search(name) for name in matches)
    assert not any(pattern.search(name) for name in ignores)
    parse([*shlex.split(spec["entry"])[1:], str(tmp_path)])


def test_install_lines_never_use_the_package_index():
    """The package is not published: every install line uses a checkout, a git URL or a wheel."""
    texts = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    texts.append(REPO / "sample-project/.github/workflows/permissions.yml")
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install (-\S+ )*apionly-deploy\b", text), path


def test_the_sample_workflow_uses_the_action_for_each_command():
    workflow = (REPO / "sample-project/.github/workflows/permissions.yml").read_text()
    steps = re.findall(r"uses: \./\.apionly/tool\n(?:.*\n)*?\s+command: (\w+)", workflow)
    assert steps == ["validate", "diff", "deploy"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_documented_shell_completion_lines_work(shell: str):
    from click.testing import CliRunner

    assert (
        f"_APIONLY_DEPLOY_COMPLETE={shell}_source apionly-deploy"
        in (REPO / "README.md").read_text()
    )
    env = {"_APIONLY_DEPLOY_COMPLETE": f"{shell}_source"}
    result = CliRunner().invoke(cli, [], prog_name="apionly-deploy", env=env)
    assert result.exit_code == 0 and "_APIONLY_DEPLOY_COMPLETE" in result.stdout
