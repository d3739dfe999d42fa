"""Every command explains itself and is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REPO

from apionly_deploy.cli import cli

README = (REPO / "README.md").read_text(encoding="utf-8")
HEADINGS = [line for line in README.splitlines() if line.startswith("### `")]


def _commands() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        found.append((name,))
        if isinstance(command, click.Group):
            found += [(name, sub) for sub in command.list_commands(ctx)]
    return found


@pytest.mark.parametrize("path", _commands(), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    """`--help` works for every command and subcommand and says what it does."""
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert len(result.stdout.splitlines()) > 3


@pytest.mark.parametrize("name", [path[0] for path in _commands() if len(path) == 1])
def test_every_command_is_in_the_readme(name: str) -> None:
    """The README has a section whose heading names the command."""
    assert any(re.search(rf"\b{name}\b", heading) for heading in HEADINGS), name


def test_readme_quick_start_is_two_commands() -> None:
    """The quick start shows exactly two shell commands: the main job and the tests."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", section, re.DOTALL)
    assert len(commands) == 2
    assert "deploy start -p sample-project -o local" in commands[0]
    assert "pytest" in commands[1]


def test_readme_project_file_example_loads_and_validates(tmp_path: Path) -> None:
    """The README's 'every key' example is a project that loads and validates clean."""
    from apionly_deploy.project.pipeline import validate_project

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "apionly.toml").write_text(block, encoding="utf-8")
    assert validate_project(tmp_path) == []
