"""Validation findings as text, JSON, GitHub workflow commands and SARIF 2.1.0 (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apionly_deploy import __version__
from apionly_deploy.check.rules import RULES, Finding, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _line(finding: Finding) -> int:
    """Return the 1-based line to show; 0 (the whole file) shows as line 1."""
    return max(finding.line, 1)


_SEVERITY_COLORS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[33m"}


def format_text(findings: Sequence[Finding], *, color: bool = False) -> str:
    """Return one ``file:line: severity RULE message`` line per finding, each with its fix;
    ``color`` paints the severity."""
    lines = []
    for f in findings:
        severity = str(f.severity)
        code = _SEVERITY_COLORS.get(f.severity, "\x1b[2m") if color else ""
        if code:
            severity = f"{code}{severity}\x1b[0m"
        lines.append(f"{f.file}:{_line(f)}: {severity} {f.rule} {f.message}")
        lines.append(f"    fix: {f.hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(findings: Sequence[Finding]) -> str:
    """Return ``2 errors, 1 warning, 0 notes in 3 files`` (the files with findings), or
    ``no findings`` for a clean run."""
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    files = len({f.file for f in findings})

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if not findings:
        return "no findings"
    parts = [plural(counts[s], str(s)) for s in Severity]
    return f"{', '.join(parts)} in {plural(files, 'file')}"


def _as_dict(f: Finding) -> dict[str, Any]:
    return {
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "severity": str(f.severity),
        "rule": f.rule,
        "message": f.message,
        "hint": f.hint,
    }


def format_json(findings: Sequence[Finding]) -> str:
    """Return the findings as a JSON list of objects."""
    return json.dumps([_as_dict(f) for f in findings], indent=2) + "\n"


def format_json_document(findings: Sequence[Finding], *, checked: Sequence[str]) -> str:
    """Return ``validate --json``'s document: the files checked, the counts, the findings."""
    counts = {str(s): sum(1 for f in findings if f.severity is s) for s in Severity}
    doc = {"checked": list(checked), "counts": counts, "findings": [_as_dict(f) for f in findings]}
    return json.dumps(doc, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    """Return GitHub Actions workflow commands (``::error file=...::message``), one per line."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file)}", f"line={_line(f)}"]
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule)}")
        text = _escape_data(f"{f.message}. Fix: {f.hint}")
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{text}")
    return "\n".join(lines) + ("\n" if lines else "")


def _uri(file: str, base: Path | None) -> str:
    path = Path(file)
    if base is not None and path.is_absolute():
        try:
            return path.relative_to(base.resolve()).as_posix()
        except ValueError:
            return path.as_uri()
    return path.as_posix()


def format_sarif(findings: Sequence[Finding], *, base: Path | None = None) -> str:
    """Return a SARIF 2.1.0 log; file URIs are made relative to ``base`` where possible."""
    rule_ids = sorted(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [
        {
            "id": rule_id,
            "shortDescription": {"text": RULES[rule_id].title},
            "help": {"text": RULES[rule_id].hint},
            "defaultConfiguration": {"level": str(RULES[rule_id].severity)},
        }
        for rule_id in rule_ids
    ]
    results = []
    for f in findings:
        region: dict[str, int] = {"startLine": _line(f)}
        if f.column:
            region["startColumn"] = f.column
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": str(f.severity),
                "message": {"text": f"{f.message}. Fix: {f.hint}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.file, base)},
                            "region": region,
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "apionly-deploy",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
