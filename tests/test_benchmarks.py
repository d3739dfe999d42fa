"""The benchmark runner works end to end (tiny inputs; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_quick_run_prints_the_table_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(out.read_text())
    figures = document["figures"]
    assert set(figures) == {
        "build",
        "startup",
        "deploy",
        "report",
        "diff",
        "validate",
        "emulator",
        "load",
    }
    assert figures["report"]["all_listed"] and figures["report"]["failures"] == 5
    assert figures["validate"]["all_cores"]["same_findings"]
    assert figures["diff"]["changes_found"] == figures["diff"]["changes_expected"]
    assert figures["deploy"]["totals"]["ours"]["requests"] >= 1
    assert figures["emulator"]["lost"] == 0
    assert figures["build"]["zip_bytes"] > 0
    assert "python -c pass" in figures["startup"]["seconds"]
    assert document["machine"]["python"] == ".".join(map(str, sys.version_info[:3]))
    names = [row["figure"] for row in document["table"]]
    assert any(name.startswith("render+validate+package") for name in names)
    assert "| figure" in done.stdout
    assert "ratio" in done.stdout


def test_unknown_part_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--only", "nope", "--json", str(tmp_path / "x.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown part(s): nope" in done.stderr
    assert not (tmp_path / "x.json").exists()
