"""Render + validate + package of the large org, against lxml parsing and serializing its XML.

"Ours" is the work of ``apionly-deploy package``: load apionly.toml, build the model, validate
it, render every file with the Jinja templates and zip them (``pipeline.build_project`` then
``Built.package``). The floor is lxml (the hardened parser) parsing and serializing the same
rendered XML files, timed alternately with ours; medians are kept.

Peak memory is measured in a child process running the same work, two ways: the peak of Python
allocations during the work (tracemalloc, a second child: it slows the work down) and the
growth of the peak resident set size (VmHWM) over the process after its imports. Both are
compared with the package size, taken as the **uncompressed** size of the files in the zip (the
XML the work produces): the compressed zip is about 30x smaller than the XML, less than the
Python interpreter itself needs.

    python benchmarks/bench_build.py [--repeat 5] [--small]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from common import child_env, interleaved, ratio, small_or_large_main
from generate import project_text

from apionly_deploy.model.xmldoc import parse_bytes
from apionly_deploy.project.pipeline import build_project

TARGET_RATIO = 3.0
TARGET_MEMORY = 3.0

_MEMORY_CHILD = """
import json, re, sys, tracemalloc
from pathlib import Path
from apionly_deploy.project.pipeline import build_project

def high_water():  # VmHWM: ru_maxrss would carry the parent's peak over exec
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1)) * 1024

folder, traced = Path(sys.argv[1]), sys.argv[2] == "1"
before = high_water()
if traced:
    tracemalloc.start()
data = build_project(folder).package()
peak = tracemalloc.get_traced_memory()[1] if traced else 0
print(json.dumps({"rss_growth": high_water() - before, "traced_peak": peak, "zip": len(data)}))
"""


def small_text() -> str:
    """Return a tiny project (for ``--quick`` runs that only prove the machinery works)."""
    return (
        '[project]\nname = "small"\n\n[permission_sets.Small]\nlabel = "Small"\n'
        'user_permissions = ["ApiEnabled"]\nobjects = { Account = ["read"] }\n'
        'fields = { "Account.Industry" = "read", "Account.Phone" = "edit" }\n'
    )


def ours(folder: Path) -> bytes:
    """Do what ``apionly-deploy package`` does and return the zip."""
    return build_project(folder).package()


def floor(files: dict[str, bytes]) -> None:
    """Parse and serialize every XML file with lxml."""
    from lxml import etree

    for name, data in files.items():
        etree.tostring(parse_bytes(data, source=name), xml_declaration=True, encoding="UTF-8")


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def memory(folder: Path, traced: bool) -> dict[str, int]:
    """Run the work in a child process; return its memory figures."""
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(folder), "1" if traced else "0"],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
        timeout=600,
    )
    figures: dict[str, int] = json.loads(done.stdout)
    return figures


def measure(*, repeat: int = 5, small: bool = False) -> dict[str, Any]:
    """Return the figures (seconds, bytes and ratios)."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        folder = Path(tmp)
        (folder / "apionly.toml").write_text(small_text() if small else project_text())
        files = unzip(ours(folder))  # also warms caches: templates, schemas, knowledge
        ours_s, floor_s = interleaved(repeat, lambda: ours(folder), lambda: floor(files))
        zip_size = len(ours(folder))
        # Two children: tracemalloc slows the work and adds its own memory to the RSS.
        # A small run only proves the machinery, so one child gives both there.
        traced_run = memory(folder, traced=True)
        rss = traced_run["rss_growth"] if small else memory(folder, traced=False)["rss_growth"]
        traced = traced_run["traced_peak"]
    xml_size = sum(len(data) for data in files.values())
    return {
        "files": len(files),
        "xml_bytes": xml_size,
        "zip_bytes": zip_size,
        "ours_seconds": round(ours_s, 3),
        "floor_seconds": round(floor_s, 3),
        "ratio": round(ratio(ours_s, floor_s), 2),
        "target_ratio": TARGET_RATIO,
        "traced_peak_bytes": traced,
        "rss_growth_bytes": rss,
        "memory_ratio": round(ratio(traced, xml_size), 2),
        "rss_ratio": round(ratio(rss, xml_size), 2),
        "target_memory_ratio": TARGET_MEMORY,
    }


def main(argv: list[str] | None = None) -> int:
    def holds(figures: dict[str, Any]) -> bool:
        return figures["ratio"] <= TARGET_RATIO and figures["memory_ratio"] <= TARGET_MEMORY

    return small_or_large_main(__doc__, measure, holds, repeat=5, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
