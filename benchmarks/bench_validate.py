"""Validation speed: permission files, against lxml parsing them in one process.

The files are generated deterministically (a seeded random generator) with the entry mix of real
retrieved metadata: mostly field permissions, then classes, pages, user permissions (heavy in
profiles), objects, record types, tabs, apps and layout assignments; a few files carry
mistakes, so the rules do real work.

    python benchmarks/bench_validate.py [--files 1000] [--entries 200000] [--repeat 3] [--json OUT]
    python benchmarks/bench_validate.py --all-cores [--files 4000] [--entries 800000] [--jobs N]
    python benchmarks/bench_validate.py --crossover

Measured in one run, median of ``--repeat`` (the two timed alternately):
  * parse: read every file and parse it with the hardened lxml parser, in one process (the
    physical floor);
  * validate: ``validate_paths`` on the folder (discovery, version detection, parse, XSD,
    every rule, findings), in one process (``jobs=1``), or with ``--all-cores`` in as many
    processes as the machine gives this one (workers spawned afresh on every run, as the
    command line does).
One process: the ratio parse/validate must be at least 0.5 (validation at least half as fast as
parsing). All cores: validate/parse must be at most 1.5 (validation takes at most 1.5 times as
long as one process parsing), with the same findings as one process. Exit status 1 otherwise.
``--crossover`` times one process against all cores on growing inputs, each run in a fresh
interpreter: where all cores start to pay is ``PARALLEL_MIN_BYTES`` in check/validate.py.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apionly_deploy.check import knowledge, schema
from apionly_deploy.check.validate import validate_paths
from apionly_deploy.check.workers import available_cores
from apionly_deploy.model.xmldoc import parse_bytes

TARGET_RATIO = 0.5
#: All cores: validation time over one process's parse time, at most.
TARGET_ALL_CORES = 1.5
NS = "http://soap.sforce.com/2006/04/metadata"
#: Share of each entry kind, after the 40 retrieved files of the reference set: field
#: permissions dominate; profiles carry most user permissions and all layout assignments.
SET_MIX = {
    "fieldPermissions": 0.80,
    "classAccesses": 0.06,
    "pageAccesses": 0.03,
    "objectPermissions": 0.03,
    "recordTypeVisibilities": 0.02,
    "tabSettings": 0.02,
    "applicationVisibilities": 0.01,
    "userPermissions": 0.03,
}
PROFILE_MIX = {
    "fieldPermissions": 0.50,
    "userPermissions": 0.25,
    "layoutAssignments": 0.10,
    "classAccesses": 0.04,
    "pageAccesses": 0.03,
    "recordTypeVisibilities": 0.03,
    "objectPermissions": 0.02,
    "applicationVisibilities": 0.02,
    "tabSettings": 0.01,
}


def _b(value: bool) -> str:
    return "true" if value else "false"


def _entry(kind: str, i: int, rnd: random.Random, *, profile: bool, perms: list[str]) -> str:
    obj = f"Object{i % 97}__c"
    if kind == "fieldPermissions":
        # Retrieved permission sets list granted fields only; profiles list every field.
        readable = not profile or rnd.random() < 0.7
        editable = readable and rnd.random() < 0.6
        body = f"<editable>{_b(editable)}</editable><field>{obj}.Field{i}__c</field>"
        body += f"<readable>{_b(readable)}</readable>"
    elif kind == "classAccesses":
        body = f"<apexClass>Class{i}</apexClass><enabled>{_b(rnd.random() < 0.7)}</enabled>"
    elif kind == "pageAccesses":
        body = f"<apexPage>Page{i}</apexPage><enabled>{_b(rnd.random() < 0.7)}</enabled>"
    elif kind == "objectPermissions":
        edit = rnd.random() < 0.5
        body = (
            f"<allowCreate>{_b(edit)}</allowCreate><allowDelete>false</allowDelete>"
            f"<allowEdit>{_b(edit)}</allowEdit><allowRead>true</allowRead>"
            f"<modifyAllRecords>false</modifyAllRecords><object>Object{i}__c</object>"
            "<viewAllRecords>false</viewAllRecords>"
        )
    elif kind == "recordTypeVisibilities":
        default = "<default>false</default>" if profile else ""
        body = f"{default}<recordType>{obj}.Type{i}</recordType><visible>true</visible>"
    elif kind == "tabSettings":
        body = (
            f"<tab>{obj}{i}</tab><visibility>{'DefaultOn' if profile else 'Visible'}</visibility>"
        )
    elif kind == "applicationVisibilities":
        default = "<default>false</default>" if profile else ""
        body = f"<application>App{i}</application>{default}<visible>true</visible>"
    elif kind == "layoutAssignments":
        body = f"<layout>{obj}-Layout {i}</layout>"
    else:
        body = f"<enabled>{_b(rnd.random() < 0.8)}</enabled><name>{perms[i % len(perms)]}</name>"
    tag = "tabVisibilities" if profile and kind == "tabSettings" else kind
    inner = body.replace("><", ">\n        <")
    return f"    <{tag}>\n        {inner}\n    </{tag}>\n"


def _mistakes(kind: str, rnd: random.Random, *, profile: bool, perms: list[str]) -> list[str]:
    """Return entries that break rules without breaking the schema (every 50th file)."""
    pad = "\n        "
    if kind == "fieldPermissions":
        bad = [
            "<editable>true</editable>",
            "<field>Object1__c.Bad__c</field>",
            "<readable>false</readable>",
        ]
        dup = _entry(kind, 0, rnd, profile=profile, perms=perms)
        return [f"    <{kind}>{pad}{pad.join(bad)}\n    </{kind}>\n", dup]
    if kind == "userPermissions":
        bad = ["<enabled>true</enabled>", "<name>ViewAllDta</name>"]
        return [f"    <{kind}>{pad}{pad.join(bad)}\n    </{kind}>\n"]
    return []


def _document(index: int, entries: int, rnd: random.Random, perms: list[str]) -> str:
    profile = index % 4 == 0
    mix = PROFILE_MIX if profile else SET_MIX
    counts = {kind: int(entries * share) for kind, share in mix.items()}
    counts["fieldPermissions"] += entries - sum(counts.values())
    root = "Profile" if profile else "PermissionSet"
    blocks: dict[str, list[str]] = {}
    for kind, count in counts.items():
        tag = "tabVisibilities" if profile and kind == "tabSettings" else kind
        blocks[tag] = [_entry(kind, i, rnd, profile=profile, perms=perms) for i in range(count)]
        if index % 50 == 7:  # a few mistakes, so the rules produce findings too
            blocks[tag] += _mistakes(kind, rnd, profile=profile, perms=perms)
    if profile:
        blocks["custom"] = ["    <custom>true</custom>\n"]
        blocks["userLicense"] = ["    <userLicense>Salesforce</userLicense>\n"]
    else:
        blocks["hasActivationRequired"] = [
            "    <hasActivationRequired>false</hasActivationRequired>\n"
        ]
        blocks["label"] = [f"    <label>Set {index}</label>\n"]
    order = schema.types_for(schema.newest_version()).types[root].children
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n']
    for tag in sorted(blocks, key=lambda t: order[t].position):
        parts += blocks[tag]
    parts.append(f"</{root}>\n")
    return "".join(parts)


def generate(folder: Path, *, files: int, entries: int, seed: int = 20_240_601) -> None:
    """Write ``files`` permission files holding ``entries`` entries in all under ``folder``."""
    rnd = random.Random(seed)
    perms = sorted(p for p in knowledge.known_user_permissions() if not p.endswith("Multiforce"))
    rnd.shuffle(perms)
    per_file = entries // files
    for index in range(files):
        text = _document(index, per_file, rnd, perms)
        profile = text.lstrip().split("\n", 2)[1].startswith("<Profile")
        suffix = "profile" if profile else "permissionset"
        (folder / f"File{index:04d}.{suffix}-meta.xml").write_text(text, encoding="utf-8")
    (folder / "sfdx-project.json").write_text('{"sourceApiVersion": "62.0"}\n', encoding="utf-8")


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds of this process) for one call of ``run``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _interleaved(
    repeat: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Time ``first`` and ``second`` alternately and keep the median of each: both then see
    the same machine load, which matters on shared CI runners."""
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    for _ in range(repeat):
        a.append(_timed(first))
        b.append(_timed(second))

    def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    return median(a), median(b)


def _parse_all(paths: list[Path]) -> None:
    for path in paths:
        parse_bytes(path.read_bytes(), source=str(path))


@contextmanager
def generated(*, files: int, entries: int) -> Iterator[tuple[Path, list[Path], int]]:
    """Yield a temporary folder of generated files, the files and their size in bytes."""
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        folder = Path(tmp)
        generate(folder, files=files, entries=entries)
        paths = sorted(folder.glob("*-meta.xml"))
        yield folder, paths, sum(p.stat().st_size for p in paths)


def _figures(
    paths: list[Path], entries: int, size: int, parse: float, validate: float
) -> dict[str, Any]:
    return {
        "files": len(paths),
        "entries": entries,
        "megabytes": round(size / 1e6, 1),
        "parse_seconds": round(parse, 3),
        "validate_seconds": round(validate, 3),
    }


def measure(*, files: int = 1000, entries: int = 200_000, repeat: int = 5) -> dict[str, Any]:
    """Generate the files, time lxml parsing and validation alternately; return the figures."""
    with generated(files=files, entries=entries) as (folder, paths, size):
        findings = validate_paths([folder])  # warm caches: schemas, permission names
        (parse, parse_cpu), (validate, validate_cpu) = _interleaved(
            repeat, lambda: _parse_all(paths), lambda: validate_paths([folder])
        )
    return {
        **_figures(paths, entries, size, parse, validate),
        "ratio": round(parse / validate, 3),
        "parse_cpu_seconds": round(parse_cpu, 3),
        "validate_cpu_seconds": round(validate_cpu, 3),
        "cpu_ratio": round(parse_cpu / validate_cpu, 3),
        "target_ratio": TARGET_RATIO,
        "findings": len(findings),
    }


def measure_all_cores(
    *,
    files: int = 4000,
    entries: int = 800_000,
    repeat: int = 5,
    jobs: int | None = None,
    parallel_min_bytes: int | None = None,
) -> dict[str, Any]:
    """Time one process parsing against validation on all cores, alternately; check that the
    findings are those of one process, in the same order."""
    cores = jobs or available_cores()
    extra = {} if parallel_min_bytes is None else {"parallel_min_bytes": parallel_min_bytes}
    with generated(files=files, entries=entries) as (folder, paths, size):
        one = validate_paths([folder])  # also warms this process's caches
        several = validate_paths([folder], jobs=cores, **extra)
        (parse, _), (validate, _) = _interleaved(
            repeat,
            lambda: _parse_all(paths),
            lambda: validate_paths([folder], jobs=cores, **extra),
        )
    return {
        "cores": cores,
        **_figures(paths, entries, size, parse, validate),
        "time_ratio": round(validate / parse, 3),
        "target_time_ratio": TARGET_ALL_CORES,
        "same_findings": several == one,
        "findings": len(several),
    }


_CHILD = """
import sys, time
from pathlib import Path
from apionly_deploy.check.validate import validate_paths
start = time.perf_counter()
validate_paths([Path(sys.argv[1])], jobs=int(sys.argv[2]), parallel_min_bytes=0)
print(time.perf_counter() - start)
"""


def crossover(
    *, sizes: tuple[int, ...] = (100, 200, 400, 800, 1600), repeat: int = 7, jobs: int | None = None
) -> list[dict[str, Any]]:
    """Time one process against all cores on growing inputs, each run in a fresh interpreter
    (its imports not counted, as for a command that has started)."""
    cores = jobs or available_cores()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        for files in sizes:
            folder = Path(tmp) / str(files)
            folder.mkdir()
            generate(folder, files=files, entries=files * 200)
            size = sum(p.stat().st_size for p in folder.glob("*-meta.xml"))
            one, several = [], []
            for _ in range(repeat):
                for count, times in ((1, one), (cores, several)):
                    done = subprocess.run(
                        [sys.executable, "-c", _CHILD, str(folder), str(count)],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    times.append(float(done.stdout))
            rows.append(
                {
                    "files": files,
                    "megabytes": round(size / 1e6, 1),
                    "cores": cores,
                    "one_process_seconds": round(statistics.median(one), 3),
                    "all_cores_seconds": round(statistics.median(several), 3),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Generate, measure, print and (with ``--json``) record the figures."""
    args = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    args.add_argument("--files", type=int)
    args.add_argument("--entries", type=int)
    args.add_argument("--repeat", type=int, default=5)
    args.add_argument("--all-cores", action="store_true", help="validate on every core")
    args.add_argument("--jobs", type=int, help="processes for --all-cores [default: cores]")
    args.add_argument("--crossover", action="store_true", help="where all cores start to pay")
    args.add_argument("--json", type=Path, help="write the figures to this JSON file")
    opts = args.parse_args(argv)
    if opts.crossover:
        for row in crossover(repeat=opts.repeat, jobs=opts.jobs):
            print(
                f"{row['files']:>5} files {row['megabytes']:>6} MB: one process "
                f"{row['one_process_seconds']:.3f}s, {row['cores']} cores "
                f"{row['all_cores_seconds']:.3f}s"
            )
        return 0
    if opts.all_cores:
        figures = measure_all_cores(
            files=opts.files or 4000,
            entries=opts.entries or 800_000,
            repeat=opts.repeat,
            jobs=opts.jobs,
        )
        print(
            f"{figures['files']} files, {figures['entries']:,} entries, {figures['megabytes']} MB:"
            f" lxml parse (one process) {figures['parse_seconds']:.3f}s, validate on "
            f"{figures['cores']} cores {figures['validate_seconds']:.3f}s, "
            f"{figures['time_ratio']:.2f}x (target <= {TARGET_ALL_CORES}x), "
            f"same findings: {figures['same_findings']}"
        )
        ok = figures["time_ratio"] <= TARGET_ALL_CORES and figures["same_findings"]
    else:
        figures = measure(
            files=opts.files or 1000, entries=opts.entries or 200_000, repeat=opts.repeat
        )
        print(
            f"{figures['files']} files, {figures['entries']:,} entries, {figures['megabytes']} MB:"
            f" lxml parse {figures['parse_seconds']:.3f}s, "
            f"validate {figures['validate_seconds']:.3f}s, "
            f"ratio {figures['ratio']:.2f} (target >= {TARGET_RATIO}), "
            f"{figures['findings']} findings"
        )
        ok = figures["ratio"] >= TARGET_RATIO
    if opts.json:
        opts.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
