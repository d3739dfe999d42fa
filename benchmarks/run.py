"""Every benchmark figure of the project in one command: a table on stdout, JSON on disk.

    python benchmarks/run.py [--quick] [--repeat 5] [--json benchmarks/results/latest.json]
                             [--only build,startup,deploy,report,diff,validate,emulator,load]

Each figure is a ratio to a floor or a peer measured in the same run (timed alternately,
medians kept). ``--quick`` runs every part on tiny inputs: it proves the machinery works and
says nothing about speed.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the bench modules, then tests.emulator helpers

import table  # noqa: E402

# Each part imports its bench module itself: a validation worker is spawned, so it re-imports
# this script (multiprocessing's spawn), and should start as fast as the command line's does.

PARTS = ("build", "startup", "deploy", "report", "diff", "validate", "emulator", "load")
DEFAULT_JSON = HERE / "results" / "latest.json"
#: Deploy lengths (seconds in the local org, simulated clock) for the large package.
DEPLOY_LENGTHS = (2.5, 12.4, 61.6)


def build(quick: bool, repeat: int) -> dict[str, Any]:
    import bench_build

    return bench_build.measure(repeat=repeat, small=quick)


def startup(quick: bool, repeat: int) -> dict[str, Any]:
    import bench_deploy

    return bench_deploy.startup_figures(repeat, with_sf=not quick)


def deploy(quick: bool, repeat: int) -> dict[str, Any]:
    """The large org's package, deployed to the local org with each polling schedule."""
    import bench_build
    import bench_deploy

    from apionly_deploy.project.pipeline import build_project

    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        folder = Path(tmp)
        text = bench_build.small_text() if quick else bench_build.project_text()
        (folder / "apionly.toml").write_text(text)
        built = build_project(folder)
        zip_bytes = built.package()
    lengths = DEPLOY_LENGTHS[:1] if quick else DEPLOY_LENGTHS
    # The org holds the objects and fields the permissions name (deployed first, not counted).
    objects: dict[str, list[str]] = {}
    for component in built.bundle.components:
        for entry in getattr(component, "field_permissions", ()):
            obj, _, field = entry.field.partition(".")
            objects.setdefault(obj, []).append(field)
        for entry in getattr(component, "object_permissions", ()):
            objects.setdefault(entry.object, [])
    custom = {
        o: sorted(set(f for f in fs if f.endswith("__c")))
        for o, fs in objects.items()
        if o.endswith("__c")
    }
    setup = bench_deploy.objects_package(custom) if custom else b""
    return bench_deploy.compare(zip_bytes, len(built.bundle.components), lengths, setup)


def report(quick: bool, repeat: int) -> dict[str, Any]:
    """The large org's first deploy to a local org lacking its objects: ~103,000 failures."""
    import bench_report

    return bench_report.measure(repeat=min(repeat, 3), small=quick)


def diff(quick: bool, repeat: int) -> dict[str, Any]:
    import bench_diff

    xmldiff_path = _xmldiff_path()
    if quick:
        return bench_diff.measure(
            fields=50, changes=5, repeat=1, xmldiff_timeout=5, xmldiff_path=xmldiff_path
        )
    return bench_diff.measure(repeat=repeat, xmldiff_timeout=120, xmldiff_path=xmldiff_path)


def validate(quick: bool, repeat: int) -> dict[str, Any]:
    """One process on 1,000 files; all cores on 4,000 (both against one process parsing)."""
    import bench_validate

    if quick:  # workers forced on a tiny input: proves the machinery, says nothing of speed
        figures = bench_validate.measure(files=8, entries=400, repeat=1)
        figures["all_cores"] = bench_validate.measure_all_cores(
            files=8, entries=400, repeat=1, jobs=2, parallel_min_bytes=0
        )
        return figures
    figures = bench_validate.measure(repeat=repeat)
    figures["all_cores"] = bench_validate.measure_all_cores(repeat=repeat)
    return figures


def emulator(quick: bool, repeat: int) -> dict[str, Any]:
    import bench_emulator

    if quick:
        return bench_emulator.measure(clients=2, interval=0.05, deploy_seconds=0.1)
    return bench_emulator.measure(clients=20, interval=1.0)


def load(quick: bool, repeat: int) -> dict[str, Any]:
    """Figures of ``bench_load.py`` (written separately) when it is there."""
    if not (HERE / "bench_load.py").exists():
        return {"status": "absent"}
    module = importlib.import_module("bench_load")
    options = {"clients": 2, "deploy_seconds": 0.2} if quick else {"clients": 50}
    options = {"clients": 50, "deploy_seconds": 2.0, "rounds": 1} | options
    accepted = inspect.signature(module.measure).parameters
    figures: dict[str, Any] = module.measure(**{k: v for k, v in options.items() if k in accepted})
    return figures


def _xmldiff_path() -> str | None:
    """Return a folder holding xmldiff for this run only, when this interpreter lacks it."""
    if importlib.util.find_spec("xmldiff") is not None:
        return None
    target = Path(tempfile.mkdtemp(prefix="bench-xmldiff-"))
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), "xmldiff"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    return str(target) if done.returncode == 0 else None


MEASURES: dict[str, Callable[[bool, int], dict[str, Any]]] = {
    "build": build,
    "startup": startup,
    "deploy": deploy,
    "report": report,
    "diff": diff,
    "validate": validate,
    "emulator": emulator,
    "load": load,
}


def machine() -> dict[str, Any]:
    """Describe the machine the figures come from."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        lines = cpuinfo.read_text().splitlines()
        model = next(
            (ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), ""
        )
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total = meminfo.read_text().splitlines()[0].split()[1]
        memory = f"{int(total) / 1024 / 1024:.1f} GiB"
    import os

    return {
        "cpu": model or platform.processor(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny inputs (a smoke test)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per timed figure")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    repeat = 1 if args.quick else args.repeat
    started = time.perf_counter()
    results: dict[str, Any] = {}
    for part in parts:
        begun = time.perf_counter()
        results[part] = MEASURES[part](args.quick, repeat)
        results[part]["part_seconds"] = round(time.perf_counter() - begun, 1)
        print(f"[{part}: {results[part]['part_seconds']} s]", file=sys.stderr, flush=True)
    rows = table.rows(results)
    document = {
        "quick": args.quick,
        "repeat": repeat,
        "machine": machine(),
        "total_seconds": round(time.perf_counter() - started, 1),
        "figures": results,
        "table": rows,
    }
    print(table.render(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\n{document['total_seconds']} s in all; JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
