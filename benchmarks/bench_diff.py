"""Diff speed: two real-sized profiles (50,000 field permissions each, 500 changes).

Compares, on the same two files:
  * apionly-deploy's semantic diff, parsing included (the number that matters);
  * ``git diff --no-index``: a line diff that understands nothing, the floor;
  * ``xmldiff`` (PyPI): the generic XML tree diff. Not a project dependency: install it into the
    dev venv to include it (``pip install xmldiff``); it runs in a child process with a time limit.

    python benchmarks/bench_diff.py [--fields 50000] [--changes 500] [--repeat 5]
                                    [--xmldiff-timeout 120]

Ours and git diff run alternately (medians). Exit status 1 when our diff takes a second or
more, or finds a different number of changes.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apionly_deploy.model.parse import parse_component_file
from apionly_deploy.review.diff import diff_components
from apionly_deploy.review.risk import assess

TARGET_SECONDS = 1.0
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<Profile xmlns="http://soap.sforce.com/2006/04/metadata">\n'


def _field(name: str, readable: bool, editable: bool) -> str:
    return (
        "    <fieldPermissions>\n"
        f"        <editable>{str(editable).lower()}</editable>\n"
        f"        <field>{name}</field>\n"
        f"        <readable>{str(readable).lower()}</readable>\n"
        "    </fieldPermissions>\n"
    )


def profiles(fields: int, changes: int, seed: int = 6) -> tuple[str, str, int]:
    """Return (old, new, expected change count): new flips, drops and adds ``changes`` entries."""
    rng = random.Random(seed)
    names = [f"Obj{i // 100:03d}__c.Field{i % 100:03d}__c" for i in range(fields)]
    old = {name: (True, rng.random() < 0.3) for name in names}
    new = dict(old)
    touched = rng.sample(names, changes)
    flips, drops = touched[: changes * 2 // 5], touched[changes * 2 // 5 : changes * 7 // 10]
    for name in flips:
        new[name] = (True, not old[name][1])
    for name in drops:
        del new[name]  # a Profile keeps these in the org: reported as "stays"
    for i in range(changes - len(flips) - len(drops)):
        new[f"New{i // 100:03d}__c.Field{i % 100:03d}__c"] = (True, False)
    tail = "    <userLicense>Salesforce</userLicense>\n</Profile>\n"

    def render(entries: dict[str, tuple[bool, bool]]) -> str:
        return HEADER + "".join(_field(n, *entries[n]) for n in sorted(entries)) + tail

    return render(old), render(new), changes


def timed(action: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Return (median seconds, last result) over ``repeat`` runs."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours(a: Path, b: Path) -> tuple[float, float, int]:
    start = time.perf_counter()
    old, new = parse_component_file(a), parse_component_file(b)
    parsed = time.perf_counter()
    found = assess(diff_components(old, new))
    return parsed - start, time.perf_counter() - parsed, len(found)


def git_diff(a: Path, b: Path) -> int:
    done = subprocess.run(
        ["git", "diff", "--no-index", "--stat", str(a), str(b)], capture_output=True, check=False
    )
    return done.returncode


def xmldiff(a: Path, b: Path, timeout: float, pythonpath: str | None = None) -> dict[str, Any]:
    """Run xmldiff on the two files in a child process, stopped after ``timeout`` seconds."""
    code = (
        "import sys; from xmldiff import main; "
        "print(len(main.diff_files(sys.argv[1], sys.argv[2])))"
    )
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(a), str(b)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"status": "stopped", "seconds": None, "timeout": timeout}
    if done.returncode != 0:
        status = "not installed" if "No module named" in done.stderr else "failed"
        return {"status": status, "seconds": None}
    seconds = time.perf_counter() - start
    return {"status": "ok", "seconds": round(seconds, 3), "actions": int(done.stdout.strip())}


def _xmldiff_text(figure: dict[str, Any]) -> str:
    if figure["status"] == "ok":
        return f"{figure['seconds']:.2f} s ({figure['actions']} edit actions)"
    if figure["status"] == "stopped":
        return f"> {figure['timeout']:.0f} s (stopped)"
    return str(figure["status"])


def measure(
    *,
    fields: int = 50_000,
    changes: int = 500,
    repeat: int = 5,
    xmldiff_timeout: float = 120.0,
    xmldiff_path: str | None = None,
) -> dict[str, Any]:
    """Write the two profiles, time ours and git diff alternately, then xmldiff once."""
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        a, b = Path(tmp) / "a" / "Big.profile", Path(tmp) / "b" / "Big.profile"
        a.parent.mkdir()
        b.parent.mkdir()
        old, new, expected = profiles(fields, changes)
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        runs, git_times = [], []
        for _ in range(repeat):
            runs.append(ours(a, b))
            if shutil.which("git"):
                git_times.append(timed(lambda: git_diff(a, b), 1)[0])
        xml = xmldiff(a, b, xmldiff_timeout, xmldiff_path)
        size = a.stat().st_size
    totals = [r[0] + r[1] for r in runs]
    git_s = statistics.median(git_times) if git_times else math.nan
    median = statistics.median(totals)
    return {
        "fields": fields,
        "changes_expected": expected,
        "changes_found": runs[-1][2],
        "file_bytes": size,
        "ours_seconds": round(median, 3),
        "parse_seconds": round(statistics.median(r[0] for r in runs), 3),
        "diff_seconds": round(statistics.median(r[1] for r in runs), 3),
        "git_seconds": round(git_s, 3),
        "ratio_to_git": round(median / git_s, 2),
        "xmldiff": xml,
        "target_seconds": TARGET_SECONDS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fields", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--xmldiff-timeout", type=float, default=120.0)
    args = parser.parse_args()
    f = measure(
        fields=args.fields,
        changes=args.changes,
        repeat=args.repeat,
        xmldiff_timeout=args.xmldiff_timeout,
    )
    print(
        f"two profiles, {args.fields:,} field permissions each ({f['file_bytes'] / 1e6:.1f} MB), "
        f"{f['changes_expected']} changes"
    )
    print(f"  apionly-deploy diff  median {f['ours_seconds']:.3f} s over {args.repeat} runs")
    print(
        f"                       (median parse {f['parse_seconds']:.3f} s + diff and risk "
        f"{f['diff_seconds']:.3f} s), {f['changes_found']} changes found"
    )
    print(
        f"  git diff --no-index  {f['git_seconds']:.3f} s (line diff, floor): ours is "
        f"{f['ratio_to_git']:.1f}x"
    )
    print(f"  xmldiff              {_xmldiff_text(f['xmldiff'])}")
    ok = f["ours_seconds"] < TARGET_SECONDS and f["changes_found"] == f["changes_expected"]
    verdict = "met" if ok else "MISSED"
    print(
        f"target: median under {TARGET_SECONDS:.0f} s and exactly {f['changes_expected']} "
        f"changes: {verdict}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
