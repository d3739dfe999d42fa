"""Local org speed: checkDeployStatus latency while 20 clients deploy and poll at once.

The org runs as users run it (``apionly-deploy emulator``, its own process; a deploy takes 2 s).
Each of N clients (threads, one HTTPS connection each) deploys its own permission set and polls
checkDeployStatus every ``--interval`` seconds until done (1 s, the Salesforce CLI's rhythm;
0 polls back to back and measures the org saturated). Reported: p50 / p95 latency of
checkDeployStatus, and of a bare authenticated REST call (GET /services/data/vNN.0) sent the
same way, so the ratio shows what the SOAP handling costs on top of TLS + HTTP.

    python benchmarks/bench_emulator.py [--clients 20] [--interval 1.0]

Exit status 1 when a result is lost or crossed, or the p50 checkDeployStatus latency is over
50 ms at the 1 s interval (2-core CI machine).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests

from tests.emulator.conftest import Soap, make_zip, package_xml, permission_set, text

P50_LIMIT_MS = 50.0


def _session(info: Any) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(info.ca_cert)
    return session


def _client(info: Any, index: int, interval: float) -> tuple[bool, list[float], list[float]]:
    soap = Soap(info, _session(info))
    name = f"Bench_{index:02d}"
    files = {
        "package.xml": package_xml(("PermissionSet", [name])),
        f"permissionsets/{name}.permissionset": permission_set("ApiEnabled", label=name),
    }
    job = soap.deploy(make_zip(files))
    status_times: list[float] = []
    result = None
    for _ in range(2000):
        start = time.perf_counter()
        result = soap.status(job)
        status_times.append(time.perf_counter() - start)
        if text(result, "done") == "true":
            break
        time.sleep(interval)
    rest_times: list[float] = []
    headers = {"Authorization": f"Bearer {soap.token}"}
    for _ in range(len(status_times)):
        start = time.perf_counter()
        soap.session.get(f"{info.instance_url}/services/data/v62.0", headers=headers)
        rest_times.append(time.perf_counter() - start)
    names = [e.text for e in result.iterfind("{*}details/{*}componentSuccesses/{*}fullName")]
    assert result is not None
    ok = text(result, "status") == "Succeeded" and names == ["package.xml", name]
    return ok, status_times, rest_times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] * 1000


_SERVER = """
import json, signal, sys, threading
from pathlib import Path
from apionly_deploy.emulator import EmulatorSettings, running_emulator
settings = EmulatorSettings(deploy_polls=None, deploy_seconds=float(sys.argv[2]))
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
with running_emulator(settings=settings) as info:
    Path(sys.argv[1]).write_text(json.dumps(info.to_json()))
    stop.wait()
"""


def _serve(
    folder: Path, deploy_seconds: float | None = None
) -> tuple[subprocess.Popen[bytes], Any]:
    """Serve the org as ``apionly-deploy emulator`` does, or in memory with a shorter deploy."""
    info_file = folder / "info.json"
    command = [
        sys.executable,
        "-m",
        "apionly_deploy",
        "emulator",
        "--data-dir",
        str(folder / "org"),
        "--info-file",
        str(info_file),
    ]
    if deploy_seconds is not None:
        command = [sys.executable, "-c", _SERVER, str(info_file), str(deploy_seconds)]
    process = subprocess.Popen(
        command,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    deadline = time.monotonic() + 30
    while not info_file.exists() or not info_file.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit("the emulator did not start")
        time.sleep(0.05)
    return process, SimpleNamespace(**json.loads(info_file.read_text()))


def measure(
    *, clients: int = 20, interval: float = 1.0, deploy_seconds: float | None = None
) -> dict[str, Any]:
    """Serve the org in its own process, run the clients at once; return the latencies."""
    with tempfile.TemporaryDirectory() as folder:
        process, info = _serve(Path(folder), deploy_seconds)
        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                outcomes = list(pool.map(lambda i: _client(info, i, interval), range(clients)))
            elapsed = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    status = [t for _, times, _ in outcomes for t in times]
    rest = [t for _, _, times in outcomes for t in times]
    p50, rest50 = _percentile(status, 0.5), _percentile(rest, 0.5)
    return {
        "clients": clients,
        "interval": interval,
        "wall_seconds": round(elapsed, 2),
        "calls": len(status),
        "status_p50_ms": round(p50, 2),
        "status_p95_ms": round(_percentile(status, 0.95), 2),
        "rest_p50_ms": round(rest50, 2),
        "ratio_to_rest": round(p50 / rest50, 2),
        "lost": sum(1 for ok, _, _ in outcomes if not ok),
        "p50_limit_ms": P50_LIMIT_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    f = measure(clients=args.clients, interval=args.interval)
    print(
        f"{args.clients} concurrent deploys (2 s each), polled every {args.interval} s, "
        f"{f['wall_seconds']:.2f} s wall"
    )
    print(
        f"checkDeployStatus  p50 {f['status_p50_ms']:6.1f} ms   p95 {f['status_p95_ms']:6.1f} ms"
        f"   ({f['calls']} calls)"
    )
    print(f"GET /services/data p50 {f['rest_p50_ms']:6.1f} ms   ratio {f['ratio_to_rest']:.2f}x")
    print(f"lost or crossed results: {f['lost']}")
    slow = args.interval >= 1.0 and f["status_p50_ms"] > P50_LIMIT_MS
    return 1 if f["lost"] or slow else 0


if __name__ == "__main__":
    sys.exit(main())
