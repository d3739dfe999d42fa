"""Deploy polling and start-up, side by side with the Salesforce CLI.

1. Polling: for deploys that take L seconds in the local org, how many checkDeployStatus requests
   each client sends and how long after the org finished it reports the result. Both run against
   the same emulator, on one simulated clock (the emulator's and the client's), so a 300 s deploy
   is measured in milliseconds and the figures are exact. "sf" is the Salesforce CLI's schedule:
   one status check per second. Ours: ``PollPolicy()`` (0.2 s, growing 1.5x, capped at 2 s; the
   end predicted from the org's progress counters).
2. Start-up: wall time of ``apionly-deploy --version`` and ``apionly-deploy deploy start --help``
   against ``sf --version`` and ``sf project deploy start --help`` (when sf is installed: see
   ``.ci/install-sf-cli``).

    python benchmarks/bench_deploy.py [--components 40] [--repeat 5] [--skip-startup]

Exit status 1 when we send more requests than the 1 s schedule in total, report later on
average, or start slower than a fifth of sf.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.auth import http_for, login
from apionly_deploy.deploy import PollPolicy, wait_for_deploy
from apionly_deploy.deploy.connection import local_org_config
from apionly_deploy.emulator import EmulatorSettings, running_emulator
from apionly_deploy.metadata_api import DeployOptions, MetadataClient

LENGTHS = (0.3, 0.8, 1.5, 2.5, 4.2, 7.7, 12.4, 30.3, 61.6, 125.9, 300.1)
SF_SCHEDULE = PollPolicy(initial=1.0, factor=1.0, maximum=1.0, small_deploy=10**9)
SF_CANDIDATES = ("/opt/apionly-sf-cli/bin/sf", "~/.cache/apionly-deploy/sf-cli/bin/sf")


class SimClock:
    """One clock for the org and the client; only sleeping moves it."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Run:
    requests: int
    delay: float


def package(components: int) -> bytes:
    names = [f"Bench_{i:03d}" for i in range(components)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        members = "".join(f"<members>{n}</members>" for n in names)
        archive.writestr(
            "package.xml",
            '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/'
            f'04/metadata"><types>{members}<name>PermissionSet</name></types>'
            "<version>62.0</version></Package>",
        )
        for name in names:
            archive.writestr(
                f"permissionsets/{name}.permissionset",
                '<?xml version="1.0" encoding="UTF-8"?><PermissionSet xmlns="http://soap.sforce'
                f'.com/2006/04/metadata"><label>{name}</label></PermissionSet>',
            )
    return buffer.getvalue()


def measure(policy: PollPolicy, length: float, zip_bytes: bytes, components: int) -> Run:
    clock = SimClock()
    settings = EmulatorSettings(deploy_polls=None, deploy_seconds=length, clock=clock)
    with running_emulator(settings=settings) as emulator:
        org = local_org_config(emulator)
        http = http_for(org)
        session = login(org, http, environ={})
        client = MetadataClient(http, instance_url=session.instance_url,
                                access_token=session.access_token, api_version="62.0")  # fmt: skip
        job = client.deploy(zip_bytes, DeployOptions())
        queued = clock()
        result = wait_for_deploy(client, job.id, timeout=3600, sleep=clock.sleep, clock=clock,
                                 policy=policy, components=components)  # fmt: skip
        assert result.success, result
        return Run(emulator.requests.count("checkDeployStatus"), clock() - (queued + length))


def polling(components: int) -> bool:
    zip_bytes = package(components)
    print(f"Polling: a {components}-component deploy taking L seconds in the local org")
    print(f"{'L (s)':>7}  {'sf requests':>11}  {'ours':>5}  {'sf delay (s)':>12}  {'ours':>6}")
    totals = {"sf": [0, 0.0], "ours": [0, 0.0]}
    for length in LENGTHS:
        sf = measure(SF_SCHEDULE, length, zip_bytes, components)
        ours = measure(PollPolicy(), length, zip_bytes, components)
        for name, run in (("sf", sf), ("ours", ours)):
            totals[name][0] += run.requests
            totals[name][1] += run.delay
        print(f"{length:>7.1f}  {sf.requests:>11}  {ours.requests:>5}  {sf.delay:>12.2f}"
              f"  {ours.delay:>6.2f}")  # fmt: skip
    n = len(LENGTHS)
    (sf_requests, sf_delay), (our_requests, our_delay) = totals["sf"], totals["ours"]
    print(f"{'total':>7}  {sf_requests:>11}  {our_requests:>5}  {sf_delay / n:>12.2f}"
          f"  {our_delay / n:>6.2f}   (delay: mean)")  # fmt: skip
    print(
        f"requests: {our_requests / sf_requests:.0%} of sf's; "
        f"mean delay {our_delay / n:.2f} s vs {sf_delay / n:.2f} s"
    )
    return our_requests <= sf_requests and our_delay <= sf_delay


def _wall(command: list[str], repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, timeout=120)  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup(repeat: int) -> bool:
    ours = shutil.which("apionly-deploy") or str(Path(sys.executable).parent / "apionly-deploy")
    sf = next((p for p in (os.path.expanduser(c) for c in SF_CANDIDATES) if os.access(p, os.X_OK)),
              shutil.which("sf"))  # fmt: skip
    env = {**os.environ, "SF_DISABLE_TELEMETRY": "true", "SF_AUTOUPDATE_DISABLE": "true",
           "SF_SKIP_NEW_VERSION_CHECK": "true"}  # fmt: skip
    pairs = [
        ("--version", [ours, "--version"], [sf, "--version"] if sf else None),
        ("deploy start --help", [ours, "deploy", "start", "--help"],
         [sf, "project", "deploy", "start", "--help"] if sf else None),
    ]  # fmt: skip
    print(f"\nStart-up (median of {repeat}, wall time)")
    ok = True
    for label, our_command, sf_command in pairs:
        our_time = _wall(our_command, repeat, env)
        if sf_command is None:
            print(f"  {label:<20} ours {our_time:.3f} s   sf: not installed (.ci/install-sf-cli)")
            continue
        sf_time = _wall(sf_command, repeat, env)
        ratio = our_time / sf_time
        ok = ok and ratio < 0.2
        print(f"  {label:<20} ours {our_time:.3f} s   sf {sf_time:.3f} s   ratio {ratio:.2f}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--components", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    ok = polling(args.components)
    if not args.skip_startup:
        ok = startup(args.repeat) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
