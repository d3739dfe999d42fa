"""A first deploy that fails on every entry: the large org (220 components, 100,000 entries)
deployed to a local org that lacks its objects and fields, which answers ~103,000 failures.

    python benchmarks/bench_report.py [--repeat 3] [--small]

Measured in one run:
  * end to end (one run each, child processes): ``apionly-deploy deploy start -p DIR -o local
    --json`` (render, validate, package, deploy, every failure mapped onto its line of
    apionly.toml, one JSON document) against the same package given as ``--zip`` (the org's
    own file paths, no mapping). Target: under 150 s, exit 1, every failure in the JSON. The
    child's peak resident set (VmHWM) is recorded: it holds the local org too.
  * the report alone (this process, median of ``--repeat``, timed alternately): the text, JSON,
    JUnit and GitHub reports of those failures located in apionly.toml, against the same reports
    with the org's file paths (the floor: formatting without the mapping).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import child_env, interleaved, ratio, small_or_large_main
from generate import project_text

from apionly_deploy.report import deploy, deploy_ci, locations
from apionly_deploy.salesforce.deploy import Outcome, Verb
from apionly_deploy.salesforce.metadata_api import DeployMessage, DeployResult, DeployStatus

LIMIT_SECONDS = 150.0
_CLI = """
import atexit, re, sys
from pathlib import Path

def high_water(target):
    status = Path("/proc/self/status").read_text()
    target.write_text(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1))

atexit.register(high_water, Path(sys.argv[1]))
sys.argv = ["apionly-deploy", *sys.argv[2:]]
from apionly_deploy.cli import main
main()
"""


def small_text() -> str:
    """Return a tiny project whose fields the local org lacks (``--quick``)."""
    fields = ", ".join(f'"Obj{i}__c.F__c" = "read"' for i in range(5))
    return f'[project]\nname = "small"\n\n[permission_sets.Small]\nfields = {{ {fields} }}\n'


def _cli(folder: Path, *args: str) -> tuple[float, int, dict[str, Any], int]:
    """Run the command line in a child; return seconds, exit code, its JSON and peak RSS."""
    rss_file = folder / "vmhwm"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CLI, str(rss_file), *args],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=900,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = int(rss_file.read_text()) * 1024 if rss_file.exists() else 0
    return seconds, done.returncode, json.loads(done.stdout or "{}"), peak


def _fresh(root: Path, name: str, text: str) -> Path:
    """Return a project folder with no local-org state from an earlier run."""
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "apionly.toml").write_text(text)
    return folder


def _outcome(document: dict[str, Any]) -> Outcome:
    """Rebuild the org's answer from the JSON report (its own file, line and column)."""
    failures = tuple(
        DeployMessage(
            full_name=f["name"],
            component_type=f["type"],
            file_name=f["org_file"],
            success=False,
            problem=f["problem"],
            problem_type=f["problem_type"],
            line=f["org_line"],
            column=f["org_column"],
        )
        for f in document["component_failures"]
    )
    result = DeployResult(
        id=document["id"],
        status=DeployStatus.FAILED,
        done=True,
        success=False,
        components_total=document["counts"]["components_total"],
        component_errors=len(failures),
        has_details=True,
        component_failures=failures,
    )
    return Outcome("local", Verb.START, result.id, result)


def _report(outcome: Outcome, locate: locations.Locate) -> None:
    deploy.text_summary(outcome, locate=locate)
    deploy.json_report([outcome], locate=locate)
    deploy_ci.junit_report([outcome], locate=locate)
    deploy_ci.github_annotations([outcome], locate=locate)


def measure(*, repeat: int = 3, small: bool = False) -> dict[str, Any]:
    """Return the figures (seconds, counts, bytes and ratios)."""
    text = small_text() if small else project_text()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = Path(tmp)
        project = _fresh(root, "zip", text)
        zip_file = root / "package.zip"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "apionly_deploy",
                "package",
                "-p",
                str(project),
                "--out",
                str(zip_file),
            ],
            check=True,
            env=child_env(),
            capture_output=True,
        )
        zip_args = ("deploy", "start", "-p", str(project), "-o", "local", "--json")
        floor_s, floor_code, floor_doc, _ = _cli(project, *zip_args, "--zip", str(zip_file))
        project = _fresh(root, "project", text)
        args = ("deploy", "start", "-p", str(project), "-o", "local", "--json")
        ours_s, code, document, peak = _cli(project, *args)
        outcome = _outcome(document)
        source = project / "apionly.toml"
        report_s, plain_s = interleaved(
            repeat,
            lambda: _report(outcome, locations.project_location(source, text)),
            lambda: _report(outcome, locations.plain_location()),
        )
    failures = len(document.get("component_failures", ()))
    errors = document.get("counts", {}).get("component_errors", -1)
    return {
        "components": document.get("counts", {}).get("components_total", 0),
        "failures": failures,
        "component_errors": errors,
        "all_listed": failures == errors and failures == len(floor_doc["component_failures"]),
        "exit_code": code,
        "zip_exit_code": floor_code,
        "deploy_seconds": round(ours_s, 2),
        "zip_deploy_seconds": round(floor_s, 2),
        "deploy_ratio": round(ratio(ours_s, floor_s), 2),
        "limit_seconds": LIMIT_SECONDS,
        "peak_rss_bytes": peak,
        "report_seconds": round(report_s, 3),
        "plain_report_seconds": round(plain_s, 3),
        "report_ratio": round(ratio(report_s, plain_s), 2),
    }


def main(argv: list[str] | None = None) -> int:
    def holds(f: dict[str, Any]) -> bool:
        return f["deploy_seconds"] < LIMIT_SECONDS and f["exit_code"] == 1 and f["all_listed"]

    return small_or_large_main(__doc__, measure, holds, repeat=3, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
