"""Findings formatters: text, JSON, GitHub workflow commands, SARIF 2.1.0; and the rules table."""

from __future__ import annotations

import json
import re
from pathlib import Path

from apionly_deploy.check.rules import RULES, Finding, Severity, make
from apionly_deploy.report.findings import (
    format_github,
    format_json,
    format_sarif,
    format_text,
    summary,
)

DOCS = Path(__file__).resolve().parent.parent / "README.md"

FINDINGS = [
    make(
        "AO201",
        "ps/A.permissionset-meta.xml",
        7,
        "Unknown user permission: X",
        hint="Did you mean Y?",
    ),
    make("AO303", "p/P, 100%.profile-meta.xml", 0, "API-only profile has no login IP ranges"),
    make("AO004", "ps/A.permissionset-meta.xml", 3, "bad\nvalue", column=9),
]


def test_text():
    assert format_text(FINDINGS[:2]) == (
        "ps/A.permissionset-meta.xml:7: error AO201 Unknown user permission: X\n"
        "    fix: Did you mean Y?\n"
        "p/P, 100%.profile-meta.xml:1: warning AO303 API-only profile has no login IP ranges\n"
        f"    fix: {RULES['AO303'].hint}\n"
    )
    assert format_text([]) == ""


def test_summary():
    assert summary(FINDINGS) == "2 errors, 1 warning, 0 notes in 2 files"
    assert summary([]) == "no findings"


def test_json_round_trips():
    data = json.loads(format_json(FINDINGS))
    assert data[0] == {
        "file": "ps/A.permissionset-meta.xml",
        "line": 7,
        "column": 0,
        "severity": "error",
        "rule": "AO201",
        "message": "Unknown user permission: X",
        "hint": "Did you mean Y?",
    }
    assert [Finding(**{**d, "severity": Severity(d["severity"])}) for d in data] == FINDINGS


def test_github_annotations_escape_properties_and_data():
    lines = format_github(FINDINGS).splitlines()
    assert lines[0] == (
        "::error file=ps/A.permissionset-meta.xml,line=7,title=AO201::"
        "Unknown user permission: X. Fix: Did you mean Y?"
    )
    assert lines[1].startswith("::warning file=p/P%2C 100%25.profile-meta.xml,line=1,title=AO303::")
    assert lines[2].startswith(
        "::error file=ps/A.permissionset-meta.xml,line=3,col=9,title=AO004::bad%0Avalue"
    )
    notes = format_github([make("AO002", "x.xml", 1, "skipped")])
    assert notes.startswith("::notice ")


def test_sarif_2_1_0(tmp_path):
    absolute = make("AO206", str(tmp_path / "f" / "S.permissionset-meta.xml"), 4, "m", column=2)
    log = json.loads(format_sarif([*FINDINGS, absolute], base=tmp_path))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "error", "error"]
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    last = results[3]
    assert rules[last["ruleIndex"]]["id"] == "AO206"
    location = last["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "f/S.permissionset-meta.xml"
    assert location["region"] == {"startLine": 4, "startColumn": 2}


def test_docs_table_lists_every_rule_with_its_severity():
    rows = re.findall(r"^\| (AO\d{3}) \| ([a-z]+)", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    assert [r[0] for r in rows] == sorted(RULES)
    assert {rule: sev for rule, sev in rows} == {k: str(r.severity) for k, r in RULES.items()}
