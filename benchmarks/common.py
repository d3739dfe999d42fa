"""Timing helpers shared by the benchmark modules and ``run.py``.

Every figure is a ratio to a floor or a peer measured in the same run: the two are timed
alternately (so both see the same load on a shared machine) and the median is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object]) -> float:
    """Return the wall seconds one call of ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved(repeat: int, *actions: Callable[[], object]) -> list[float]:
    """Time ``actions`` alternately ``repeat`` times; return the median seconds of each."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(max(1, repeat)):
        for index, action in enumerate(actions):
            times[index].append(timed(action))
    return [statistics.median(t) for t in times]


def run_quietly(command: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    """Run ``command`` to completion with its output discarded; raise when it fails."""
    subprocess.run(
        list(command),
        env=dict(env) if env is not None else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=120,
    )


def our_command() -> str:
    """Return the ``apionly-deploy`` script next to this interpreter (the installed one)."""
    script = Path(sys.executable).parent / "apionly-deploy"
    return str(script) if script.exists() else "apionly-deploy"


def child_env() -> dict[str, str]:
    """Return an environment for child Python processes that finds this checkout first."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{path}" if path else str(REPO)}


def ratio(ours: float, other: float) -> float:
    """Return ``ours / other`` (nan when ``other`` is zero)."""
    return ours / other if other else float("nan")


def small_or_large_main(
    doc: str,
    measure: Callable[..., dict[str, Any]],
    holds: Callable[[dict[str, Any]], bool],
    *,
    repeat: int,
    argv: list[str] | None,
) -> int:
    """Run a bench module with ``--repeat`` and ``--small``: print its figures as JSON and
    return 0 when ``holds`` says its targets hold."""
    parser = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--small", action="store_true", help="a tiny project (smoke test)")
    args = parser.parse_args(argv)
    figures = measure(repeat=args.repeat, small=args.small)
    print(json.dumps(figures, indent=2))
    return 0 if holds(figures) else 1
