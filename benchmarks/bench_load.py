"""Deployer under load: N concurrent deploys against one local org, through the real client.

The org runs in its own process (as `apionly-deploy emulator` does); each deploy takes
``--deploy-seconds`` in the org (2 s, as the served org; 0 finishes on the first poll and
measures the org saturated). Each of N client threads logs in (client credentials), deploys its
own permission set and follows it with the deployer's own polling (``PollPolicy()``). Reported:
throughput (deploys per second of wall time), the time from upload to final result, the
round-trip latency of checkDeployStatus (p50 / p99), requests per deploy, and lost or crossed
results (a result whose job or component is not the client's own).

    python benchmarks/bench_load.py [--clients 50] [--deploy-seconds 2] [--rounds 1] [--json OUT]

Exit status 1 when a result is lost or crossed.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apionly_deploy.render.package import zip_bytes
from apionly_deploy.salesforce.auth import org_config_from_table
from apionly_deploy.salesforce.deploy import (
    Hooks,
    Outcome,
    Plan,
    TargetRun,
    Verb,
    from_zip_file,
    run_target,
)
from apionly_deploy.salesforce.metadata_api import DeployOptions, DeployResult, MetadataClient
from benchmarks.common import child_env

SERVER = """
import json, signal, sys, threading
from pathlib import Path
from apionly_deploy.emulator import EmulatorSettings, running_emulator
seconds = float(sys.argv[2])
settings = EmulatorSettings(deploy_polls=None if seconds else 1, deploy_seconds=seconds or None)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
with running_emulator(settings=settings) as info:
    Path(sys.argv[1]).write_text(json.dumps(info.to_json()))
    stop.wait()
"""
PERMSET = """<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <label>{name}</label>
    <userPermissions>
        <enabled>true</enabled>
        <name>ApiEnabled</name>
    </userPermissions>
</PermissionSet>
"""
PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types><members>{name}</members><name>PermissionSet</name></types>
    <version>62.0</version>
</Package>
"""


class PollTimes:
    """checkDeployStatus round trips as the client sees them (all threads)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._lock = threading.Lock()

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = MetadataClient.check_deploy_status

        def timed(client: MetadataClient, job_id: str, *, include_details: bool) -> DeployResult:
            start = time.perf_counter()
            try:
                return original(client, job_id, include_details=include_details)
            finally:
                with self._lock:
                    self.seconds.append(time.perf_counter() - start)

        MetadataClient.check_deploy_status = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            MetadataClient.check_deploy_status = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class Deploy:
    ok: bool
    seconds: float
    requests: int


@contextmanager
def served_org(folder: Path, deploy_seconds: float) -> Iterator[dict[str, Any]]:
    """Run a local org in its own process; yield its connection details."""
    info_file = folder / "info.json"
    command = [sys.executable, "-c", SERVER, str(info_file), str(deploy_seconds)]
    process = subprocess.Popen(command, env=child_env(), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not info_file.exists() or not info_file.read_text():
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the local org did not start")
            time.sleep(0.05)
        yield json.loads(info_file.read_text())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def _deploy(
    info: dict[str, Any], folder: Path, index: int, seen: set[str], lock: threading.Lock
) -> Deploy:
    name = f"Load_{index:03d}"
    zip_file = folder / f"{name}.zip"
    zip_file.write_bytes(
        zip_bytes(
            {
                "package.xml": PACKAGE.format(name=name).encode(),
                f"permissionsets/{name}.permissionset": PERMSET.format(name=name).encode(),
            }
        )
    )
    payload = from_zip_file(zip_file)
    org = org_config_from_table(
        "bench",
        {
            "auth": "client-credentials",
            "client_id": info["client_id"],
            "login_url": info["login_url"],
            "ca_cert": info["ca_cert"],
        },
        base_dir=folder,
    )
    plan = Plan(
        project_dir=folder / "state",
        verb=Verb.START,
        environ={"APIONLY_BENCH_CLIENT_SECRET": info["client_secret"]},
    )
    started = time.perf_counter()

    def action(run: TargetRun) -> Outcome:
        nonlocal started
        started = time.perf_counter()
        return run.start(payload, DeployOptions(), detach=False)

    outcome = run_target(org, action, plan, Hooks())
    elapsed = time.perf_counter() - started
    result = outcome.result
    mine = result is not None and [
        m.full_name for m in result.component_successes if m.component_type == "PermissionSet"
    ] == [name]
    with lock:
        fresh = result is not None and result.id not in seen
        if result is not None:
            seen.add(result.id)
    ok = outcome.error is None and result is not None and result.success and mine and fresh
    return Deploy(ok, elapsed, outcome.requests)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] * 1000 if ordered else 0.0


def measure(clients: int, deploy_seconds: float, rounds: int) -> dict[str, Any]:
    """Run ``rounds`` waves of ``clients`` concurrent deploys; return the figures."""
    polls = PollTimes()
    deploys: list[Deploy] = []
    seen: set[str] = set()
    lock = threading.Lock()
    with tempfile.TemporaryDirectory() as tmp, served_org(Path(tmp), deploy_seconds) as info:
        folder = Path(tmp)
        with polls.installed(), ThreadPoolExecutor(max_workers=clients) as pool:
            started = time.perf_counter()
            for wave in range(rounds):
                indexes = range(wave * clients, (wave + 1) * clients)
                deploys += pool.map(lambda i: _deploy(info, folder, i, seen, lock), indexes)
            wall = time.perf_counter() - started
    total = clients * rounds
    return {
        "clients": clients,
        "rounds": rounds,
        "deploy_seconds_in_org": deploy_seconds,
        "deploys": total,
        "wall_seconds": round(wall, 3),
        "throughput_per_second": round(total / wall, 2),
        "deploy_p50_ms": round(_percentile([d.seconds for d in deploys], 0.5), 1),
        "deploy_p99_ms": round(_percentile([d.seconds for d in deploys], 0.99), 1),
        "poll_calls": len(polls.seconds),
        "poll_p50_ms": round(_percentile(polls.seconds, 0.5), 1),
        "poll_p99_ms": round(_percentile(polls.seconds, 0.99), 1),
        "requests_per_deploy": round(sum(d.requests for d in deploys) / total, 2),
        "lost_or_crossed": sum(1 for d in deploys if not d.ok),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--deploy-seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    figures = measure(args.clients, args.deploy_seconds, args.rounds)
    print(
        f"{figures['deploys']} deploys, {args.clients} at a time, each {args.deploy_seconds:g} s "
        f"in the org, {figures['wall_seconds']:.2f} s wall"
    )
    print(f"{'':<22}{'p50':>10}{'p99':>10}")
    print(
        f"{'upload to result':<22}{figures['deploy_p50_ms']:>8.0f}ms"
        f"{figures['deploy_p99_ms']:>8.0f}ms"
    )
    print(
        f"{'checkDeployStatus':<22}{figures['poll_p50_ms']:>8.1f}ms"
        f"{figures['poll_p99_ms']:>8.1f}ms   ({figures['poll_calls']} calls)"
    )
    print(f"throughput             {figures['throughput_per_second']:.1f} deploys/s")
    print(f"requests per deploy    {figures['requests_per_deploy']:.1f} (login, deploy, polls)")
    print(f"lost or crossed        {figures['lost_or_crossed']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 1 if figures["lost_or_crossed"] else 0


if __name__ == "__main__":
    sys.exit(main())
