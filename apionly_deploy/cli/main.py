"""The command line: a thin layer that reads flags, calls the library and picks the exit code.

Each command group lives in its own module and registers itself on ``cli`` at import time;
``main`` imports them lazily so ``--version`` stays fast.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from apionly_deploy import __version__
from apionly_deploy.errors import ApionlyError, ExitCode
from apionly_deploy.model.text import safe_lines

F = TypeVar("F", bound=Callable[..., Any])

_COMMAND_MODULES = {
    "init": "apionly_deploy.cli.project",
    "import": "apionly_deploy.cli.adopt",
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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # `-v` works after the subcommand too, as in sf
            args = _verbose_first(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ApionlyError as err:
            click.echo(f"Error: {safe_lines(str(err))}", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


_VERBOSE = re.compile(r"-v+|--verbose|--no-color")


def _verbose_first(args: list[str]) -> list[str]:
    """Return ``args`` with every ``-v``/``--verbose``/``--no-color`` before ``--`` moved to
    the front, so they work after the subcommand too."""
    end = args.index("--") if "--" in args else len(args)
    verbose = [a for a in args[:end] if _VERBOSE.fullmatch(a)]
    rest = [a for a in args[:end] if not _VERBOSE.fullmatch(a)]
    return verbose + rest + args[end:]


@click.group(cls=ApionlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apionly-deploy")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log more (-v info, -vv debug) to stderr; before or after the subcommand.",
)
@click.option(
    "--no-color",
    is_flag=True,
    help="No colours (also NO_COLOR=1); colour is used only on a terminal.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, no_color: bool) -> None:
    """Manage Salesforce API-only integration users as code."""
    ctx.meta[_NO_COLOR] = no_color
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


_NO_COLOR = "apionly.no_color"


def use_color(stream: IO[str]) -> bool:
    """Return True when ``stream`` is a terminal and neither NO_COLOR nor --no-color is set."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(_NO_COLOR):
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def json_option(
    help: str = "Print one JSON document on stdout (and nothing else there).",
) -> Callable[[F], F]:
    """Return the ``--json`` option of every command that prints a result."""
    return click.option("--json", "as_json", is_flag=True, help=help)


#: The longest --wait: a week, in minutes.
MAX_WAIT = 7 * 24 * 60.0


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value != value:  # NaN passes every range comparison
        raise click.BadParameter("expected a number of minutes, not NaN")
    return value


def wait_option(default: float, help: str) -> Callable[[F], F]:
    """Return ``-w/--wait MIN``: a finite number of minutes, at most a week (``nan`` and
    ``inf`` are usage errors), the deadline of the whole command."""
    return click.option(
        "-w",
        "--wait",
        "wait_minutes",
        type=click.FloatRange(min=0, max=MAX_WAIT),
        default=default,
        callback=_a_number,
        show_default=True,
        metavar="MIN",
        help=help,
    )


def echo_result(as_json: bool, data: Any, text: str) -> None:
    """Print a command's result: ``data`` as one JSON document, or ``text``."""
    if as_json:
        import json

        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(text)


def register(name: str, module: str) -> None:
    """Declare that command ``name`` is defined in ``module`` (imported on first use)."""
    _COMMAND_MODULES[name] = module


def main() -> None:
    """Run the command line (the ``apionly-deploy`` console script)."""
    cli(prog_name="apionly-deploy")
