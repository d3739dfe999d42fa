"""Diff speed: two real-sized profiles (50,000 field permissions each, 500 changes).

Compares, on the same two files:
  * apionly-deploy's semantic diff, parsing included (the number that matters);
  * ``git diff --no-index``: a line diff that understands nothing, the floor;
  * ``xmldiff`` (PyPI): the generic XML tree diff. Not a project dependency: install it into the
    dev venv to include it (``pip install xmldiff``); it runs in a child process with a time limit.

    python benchmarks/bench_diff.py [--fields 50000] [--changes 500] [--repeat 5]
                                    [--xmldiff-timeout 120]

Exit status 1 when our diff takes a second or more, or finds a different number of changes.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from apionly_deploy.diff import diff_components
from apionly_deploy.parse import parse_component_file
from apionly_deploy.risk import assess

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


def xmldiff(a: Path, b: Path, timeout: float) -> str:
    code = (
        "import sys; from xmldiff import main; "
        "print(len(main.diff_files(sys.argv[1], sys.argv[2])))"
    )
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(a), str(b)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (stopped)"
    if done.returncode != 0:
        return "not installed" if "No module named" in done.stderr else "failed"
    return f"{time.perf_counter() - start:.2f} s ({done.stdout.strip()} edit actions)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fields", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--xmldiff-timeout", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        a, b = Path(tmp) / "a" / "Big.profile", Path(tmp) / "b" / "Big.profile"
        a.parent.mkdir()
        b.parent.mkdir()
        old, new, expected = profiles(args.fields, args.changes)
        a.write_text(old, encoding="utf-8")
        b.write_text(new, encoding="utf-8")
        runs = [ours(a, b) for _ in range(args.repeat)]
        found = runs[-1][2]
        git_s = timed(lambda: git_diff(a, b), args.repeat)[0] if shutil.which("git") else math.nan
        xml = xmldiff(a, b, args.xmldiff_timeout)
        size = a.stat().st_size / 1e6
    totals = sorted(r[0] + r[1] for r in runs)
    best, median = totals[0], statistics.median(totals)
    parse_s, diff_s = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(
        f"two profiles, {args.fields:,} field permissions each ({size:.1f} MB), {expected} changes"
    )
    print(
        f"  apionly-deploy diff  best {best:.3f} s, median {median:.3f} s over {args.repeat} runs"
    )
    print(f"                       (median parse {parse_s:.3f} s + diff and risk {diff_s:.3f} s)")
    print(f"                       {found} changes found")
    print(f"  git diff --no-index  {git_s:.3f} s (line diff, floor): ours is {median / git_s:.1f}x")
    print(f"  xmldiff              {xml}")
    ok = median < TARGET_SECONDS and found == expected
    verdict = "met" if ok else "MISSED"
    print(f"target: median under {TARGET_SECONDS:.0f} s and exactly {expected} changes: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
