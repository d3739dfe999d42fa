"""What `deploy` prints: progress on stderr, then the results and the report files."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import click

from apionly_deploy.errors import ExitCode
from apionly_deploy.model.text import one_line, safe_lines
from apionly_deploy.report import deploy as report
from apionly_deploy.report import deploy_ci, locations
from apionly_deploy.salesforce.deploy import Outcome, Payload, overall_exit_code
from apionly_deploy.salesforce.metadata_api import DeployResult

_STATUS_COLORS = {
    "Succeeded": "\x1b[32m",
    "SucceededPartial": "\x1b[33m",
    "Failed": "\x1b[1;31m",
    "Canceled": "\x1b[33m",
}


class Progress:
    """A live line on a terminal; otherwise one line per visible change."""

    def __init__(
        self,
        *,
        stream: TextIO,
        live: bool,
        prefix: bool,
        clock: Callable[[], float],
        color: bool = False,
    ) -> None:
        self.stream = stream
        self.color = color
        self.live = live
        self.prefix = prefix
        self.clock = clock
        self.started = clock()
        self._last: dict[str, tuple[object, ...]] = {}
        self._line_open = False
        self._shown = ""

    def _write(self, line: str) -> None:
        """Write a line whose outside text is already neutralised (colour codes are ours)."""
        if self._line_open:
            self.stream.write("\r\x1b[2K")
            self._line_open = False
        self.stream.write(line + "\n")
        self.stream.flush()

    def status(self, org: str, result: DeployResult) -> None:
        """Show one poll's answer."""
        line = self._describe(org, result)
        if self.live:
            self.stream.write(f"\r\x1b[2K{line}")
            self.stream.flush()
            self._line_open = True
            self._shown = line
            return
        key = result.progress_key()
        if self._last.get(org) != key:
            self._last[org] = key
            self._write(line)

    def next_check(self, org: str, seconds: float) -> None:
        """On a live line, say when the next status check comes (elsewhere: nothing)."""
        if self.live and self._line_open and self._shown:
            suffix = f"  next check in {seconds:.0f}s"
            self.stream.write(f"\r\x1b[2K{self._shown}{suffix}")
            self.stream.flush()

    def event(self, org: str, message: str) -> None:
        """Show a one-off event on its own line."""
        self._write(one_line(f"[{org}] {message}" if self.prefix else message))

    def close(self) -> None:
        """End a live line."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False

    def _describe(self, org: str, r: DeployResult) -> str:
        """Return the status line; the org's own text in it is neutralised, not our colours."""
        status = one_line(str(r.status))
        if self.color:
            code = _STATUS_COLORS.get(status, "\x1b[36m")  # cyan while it runs
            status = f"{code}{status}\x1b[0m"
        parts = [status]
        if r.state_detail:
            parts.append(one_line(r.state_detail))
        parts.append(f"{r.components_deployed}/{r.components_total} components")
        if r.component_errors:
            parts.append(f"{r.component_errors} errors")
        if r.tests_total:
            parts.append(f"tests {r.tests_completed}/{r.tests_total}")
        if r.test_errors:
            parts.append(f"{r.test_errors} test errors")
        if self.live:
            parts.append(f"{self.clock() - self.started:.0f}s")
        text = "  ".join(parts)
        return f"[{one_line(org)}] {text}" if self.prefix else text


def locator(payload: Payload | None) -> locations.Locate:
    """Return how failures are located: the project file, a --metadata-dir's files, zip paths."""
    if payload is not None and payload.root is not None:
        return locations.plain_location(payload.root)
    if payload is not None and payload.project_dir is not None:
        source = Path(payload.source)
        try:
            return locations.project_location(source, source.read_text(encoding="utf-8"))
        except OSError:
            pass
    return locations.plain_location()


def emit(
    outcomes: Sequence[Outcome],
    *,
    payload: Payload | None,
    project_dir: Path,
    as_json: bool,
    junit: Path | None,
) -> ExitCode:
    """Print results, write report files, and return the exit code (single-target errors raise)."""
    locate = locator(payload)
    if junit is not None:
        from apionly_deploy.fileio import write_atomic

        write_atomic(junit, deploy_ci.junit_report(outcomes, locate=locate))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _github(outcomes, locate, annotations_to_stderr=as_json)
    if as_json:
        click.echo(report.json_report(outcomes, locate=locate))
    single_error = outcomes[0].error if len(outcomes) == 1 else None
    if single_error is not None:
        raise single_error
    if not as_json:
        for outcome in outcomes:
            text = report.text_summary(outcome, locate=locate, project_dir=project_dir)
            click.echo(safe_lines(text))
        if len(outcomes) > 1:
            click.echo("")
            click.echo(safe_lines(report.summary_table(outcomes)))
    return overall_exit_code(outcomes)


def _github(
    outcomes: Sequence[Outcome], locate: locations.Locate, *, annotations_to_stderr: bool
) -> None:
    annotations = deploy_ci.github_annotations(outcomes, locate=locate)
    if annotations:
        click.echo(annotations, err=annotations_to_stderr)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(deploy_ci.github_summary(outcomes))
