"""The command line: a thin layer that reads flags, calls the library and picks the exit code.

Each command group lives in its own module and registers itself on ``cli`` at import time;
``main`` imports them lazily so ``--version`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from apionly_deploy import __version__
from apionly_deploy.errors import ApionlyError, ExitCode
from apionly_deploy.model.text import safe_lines

F = TypeVar("F", bound=Callable[..., Any])

_COMMAND_MODULES = {
    "init": "apionly_deploy.cli.project",
    "render": "apionly_deploy.cli.project",
    "package": "apionly_deploy.cli.project",
    "emulator": "apionly_deploy.cli.emulator",
    "diff": "apionly_deploy.cli.diff",
    "deploy": "apionly_deploy.cli.deploy",
    "retrieve": "apionly_deploy.cli.retrieve",
    "users": "apionly_deploy.cli.users",
    "doctor": "apionly_deploy.cli.users",
    "validate": "apionly_deploy.cli.validate",
}


class ApionlyGroup(click.Group):
    """A group that loads commands on demand and turns ApionlyError into an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_COMMAND_MODULES))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            __import__(module)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ApionlyError as err:
            click.echo(f"Error: {safe_lines(str(err))}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


@click.group(cls=ApionlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apionly-deploy")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug) to stderr.")
def cli(verbose: int) -> None:
    """Manage Salesforce API-only integration users as code."""
    if verbose:  # without -v the library's warnings reach stderr through logging's default
        import logging

        level = logging.WARNING - 10 * min(verbose, 2)
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def project_option(
    help: str = "Project folder (holding apionly.toml).",
    *,
    file_okay: bool = True,
    default: Path | None = Path("."),
) -> Callable[[F], F]:
    """Return the ``-p/--project`` option every command shares (``APIONLY_PROJECT`` too)."""
    return click.option(
        "-p",
        "--project",
        "project_dir",
        type=click.Path(path_type=Path, file_okay=file_okay),
        default=default,
        show_default=default is not None,
        envvar="APIONLY_PROJECT",
        show_envvar=True,
        help=help,
    )


def register(name: str, module: str) -> None:
    """Declare that command ``name`` is defined in ``module`` (imported on first use)."""
    _COMMAND_MODULES[name] = module


def main() -> None:
    """Run the command line (the ``apionly-deploy`` console script)."""
    cli(prog_name="apionly-deploy")
