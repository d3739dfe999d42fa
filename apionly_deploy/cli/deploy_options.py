"""What the deploy verbs take: typed options read once from click's keywords.

``following_options`` (project, orgs, wait, poll interval, JSON, JUnit) go on every verb and
become a ``Following``; ``upload_options`` (what to send and how) go on start and validate and
become an ``Upload``. The verbs then pass these frozen objects, never ``**kwargs``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from apionly_deploy.cli.main import json_option, project_option, wait_option

TEST_LEVELS = ("NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg")


@dataclass(frozen=True, slots=True)
class Following:
    """What every deploy verb shares: where the project is, which orgs, how long, what to print."""

    project_dir: Path
    orgs: tuple[str, ...]
    wait_minutes: float
    poll_interval: str
    as_json: bool
    junit: Path | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> Following:
        """Return the options ``following_options`` gave a command."""
        return cls(
            project_dir=options["project_dir"],
            orgs=tuple(options["orgs"]),
            wait_minutes=options["wait_minutes"],
            poll_interval=options["poll_interval"],
            as_json=options["as_json"],
            junit=options.get("junit"),
        )


@dataclass(frozen=True, slots=True)
class Upload:
    """What start and validate send (the project, or a zip or folder) and how."""

    zip_file: Path | None
    metadata_dir: Path | None
    source_dirs: tuple[Path, ...]
    test_level: str | None
    tests: tuple[str, ...]
    ignore_warnings: bool
    purge_on_delete: bool
    detach: bool

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> Upload:
        """Return the options ``upload_options`` gave a command."""
        return cls(
            zip_file=options["zip_file"],
            metadata_dir=options["metadata_dir"],
            source_dirs=tuple(options["source_dirs"]),
            test_level=options["test_level"],
            tests=tuple(options["tests"]),
            ignore_warnings=options["ignore_warnings"],
            purge_on_delete=options["purge_on_delete"],
            detach=options["detach"],
        )


def _target_option(help_text: str) -> Callable[..., Any]:
    return click.option(
        "-o",
        "--target-org",
        "orgs",
        multiple=True,
        required=True,
        metavar="ORG",
        envvar="APIONLY_TARGET_ORG",
        show_envvar=True,
        help="Org from [orgs.NAME], 'local' (built-in local org) or 'env' (APIONLY_* "
        f"variables). {help_text}",
    )


_JUNIT = click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write JUnit XML: one test case per component and per Apex test.",
)


def following_options(
    targets_help: str = "Repeat to deploy to several orgs at once.", *, junit: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    options = [
        project_option(),
        _target_option(targets_help),
        wait_option(
            33.0, "Give up after MIN minutes in all (exit 4; the deploy goes on in the org)."
        ),
        click.option(
            "--poll-interval",
            default="0.2:2",
            show_default=True,
            metavar="FIRST[:MAX]",
            envvar="APIONLY_POLL_INTERVAL",
            show_envvar=True,
            help="Seconds between status checks: the first, growing 1.5x up to MAX.",
        ),
        json_option(),
        *([_JUNIT] if junit else []),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def upload_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--zip",
            "zip_file",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            help="Deploy this zip instead of the project.",
        ),
        click.option(
            "--metadata-dir",
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="Deploy this Metadata API folder instead of the project.",
        ),
        click.option(
            "-d",
            "--source-dir",
            "source_dirs",
            multiple=True,
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="Deploy this source-format folder (force-app) instead of the project: its "
            "permission files and the companion types the local org models. Repeatable.",
        ),
        click.option(
            "-l",
            "--test-level",
            type=click.Choice(TEST_LEVELS),
            help="Apex tests to run (default: the org's own default).",
        ),
        click.option(
            "-t",
            "--tests",
            multiple=True,
            metavar="CLASS",
            help="Apex test class to run (implies RunSpecifiedTests; repeatable).",
        ),
        click.option("--ignore-warnings", is_flag=True, help="Deploy even with warnings."),
        click.option(
            "--purge-on-delete",
            is_flag=True,
            help="Delete components for good instead of into the recycle bin.",
        ),
        click.option(
            "--async", "detach", is_flag=True, help="Print the job id and return without waiting."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
