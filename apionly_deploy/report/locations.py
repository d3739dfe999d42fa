"""Where a deploy failure points: a zip path, a --metadata-dir file, or a line of apionly.toml.

A large org's first deploy can fail on every entry (100,000 failures), so locating one failure
costs O(1): the project file's line index is built once, and each table's words once, on the
first failure that points into it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from apionly_deploy.project.config import KIND_TABLES
from apionly_deploy.salesforce.metadata_api import DeployMessage

Locate = Callable[[DeployMessage], tuple[str, int | None, int | None]]
#: Word -> (1-based line, 1-based column) of its first use in a table.
Positions = dict[str, tuple[int, int]]

#: Metadata type -> its table in the project file.
_TABLES = {kind.value: table for kind, table in KIND_TABLES.items()}
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
#: A run of word characters and dots not preceded by either: where a name can start.
_RUN = re.compile(r"(?<![\w.])[\w.]+")


def plain_location(root: Path | None = None) -> Locate:
    """Return a locator that puts ``root`` (a --metadata-dir) in front of the zip path."""

    def locate(message: DeployMessage) -> tuple[str, int | None, int | None]:
        name = message.file_name or message.full_name
        path = (root / name).as_posix() if root is not None and message.file_name else name
        return path, message.line, message.column

    return locate


def project_location(path: Path, text: str) -> Locate:
    """Return a locator that points failures at the project file's table (and the named entry).

    Salesforce reports lines of the rendered XML; the user edits ``apionly.toml``. A problem
    naming an identifier (``Unknown user permission: ViewAllDat``) lands on the line using it.
    """
    from apionly_deploy.project.config import SourceFile

    source = SourceFile(path, text)  # its line index is built once, on the first lookup
    file = str(path)
    lines = text.splitlines()
    tables: dict[int, Positions] = {}
    #: Each report (text, JSON, JUnit, GitHub) locates every failure again.
    found: dict[tuple[str, str, str | None], tuple[str, int | None, int | None]] = {}
    fallback = plain_location()

    def locate(message: DeployMessage) -> tuple[str, int | None, int | None]:
        key = (message.component_type, message.full_name, message.problem)
        where = found.get(key)
        if where is not None:
            return where
        table = _TABLES.get(message.component_type)
        start = source.line((table, message.full_name)) if table else 0
        if not start:
            return fallback(message)
        positions = tables.get(start)
        if positions is None:
            positions = tables[start] = table_positions(lines, start)
        line, column = token_position(positions, message.problem or "", start=start)
        where = found[key] = (file, line, column)
        return where

    return locate


def table_positions(lines: list[str], start: int) -> Positions:
    """Return where each name is first used in the lines after line ``start``, up to a header.

    A name is a run of word characters and dots not preceded by either, or such a run cut
    before one of its dots (``Account`` is used in ``"Account.Industry"``, ``Industry`` is not).
    """
    positions: Positions = {}
    for number in range(start, len(lines)):
        text = lines[number]
        if text.lstrip().startswith("["):
            break
        for match in _RUN.finditer(text):
            run, where = match.group(), (number + 1, match.start() + 1)
            cut = run.find(".")
            while cut >= 0:
                positions.setdefault(run[:cut], where)
                cut = run.find(".", cut + 1)
            positions.setdefault(run, where)
    return positions


def token_position(positions: Positions, problem: str, *, start: int) -> tuple[int, int]:
    """Return the first line using a name from ``problem`` (the first such name on it)."""
    best: tuple[int, int] | None = None
    for token in _IDENTIFIER.findall(problem):
        if not (any(c.isupper() for c in token[1:]) or "_" in token or "." in token):
            continue
        found = positions.get(token)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    return best or (start, 1)


def position(message: DeployMessage, locate: Locate) -> str:
    """Return ``file:line:col`` (line and column only when the org gave them)."""
    path, line, column = locate(message)
    if line is None:
        return path
    return f"{path}:{line}:{column or 1}"
