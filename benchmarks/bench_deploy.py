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
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import interleaved, run_quietly

from apionly_deploy.emulator import EmulatorSettings, running_emulator
from apionly_deploy.salesforce.auth import http_for, login
from apionly_deploy.salesforce.deploy import PollPolicy, wait_for_deploy
from apionly_deploy.salesforce.deploy.connection import local_org_config
from apionly_deploy.salesforce.metadata_api import DeployOptions, MetadataClient

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
    requests: int  # checkDeployStatus calls
    delay: float  # seconds between the org finishing and the client reporting
    calls: int = 0  # every request from the deploy on (deploy, status polls, details)
    sent: int = 0  # HTTP body bytes sent by the client from the deploy on
    received: int = 0  # HTTP body bytes received


class Traffic:
    """Counts the HTTP body bytes a requests session sends and receives (a response hook)."""

    def __init__(self) -> None:
        self.sent = self.received = self.calls = 0

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        body = response.request.body or b""
        self.sent += len(body)
        self.received += len(response.content)
        self.calls += 1


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


def objects_package(objects: dict[str, list[str]]) -> bytes:
    """Return a zip deploying custom objects with their fields (an org's set-up)."""
    ns = "http://soap.sforce.com/2006/04/metadata"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        members = "".join(f"<members>{name}</members>" for name in sorted(objects))
        archive.writestr(
            "package.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns='
            f'"{ns}"><types>{members}<name>CustomObject</name></types>'
            "<version>62.0</version></Package>",
        )
        for name, fields in sorted(objects.items()):
            body = "".join(
                f"<fields><fullName>{f}</fullName><label>{f[:-3]}</label><length>80</length>"
                "<type>Text</type></fields>"
                for f in fields
            )
            archive.writestr(
                f"objects/{name}.object",
                f'<?xml version="1.0" encoding="UTF-8"?>'
                f'<CustomObject xmlns="{ns}">{body}<label>{name[:-3]}</label>'
                "</CustomObject>",
            )
    return buffer.getvalue()


def measure(
    policy: PollPolicy, length: float, zip_bytes: bytes, components: int, setup: bytes = b""
) -> Run:
    """Deploy ``zip_bytes`` (after ``setup``, not counted) and follow it with ``policy``."""
    clock = SimClock()
    settings = EmulatorSettings(deploy_polls=None, deploy_seconds=length, clock=clock)
    with running_emulator(settings=settings) as emulator:
        org = local_org_config(emulator)
        http = http_for(org)
        session = login(org, http, environ={})
        client = MetadataClient(
            http,
            instance_url=session.instance_url,
            access_token=session.access_token,
            api_version="62.0",
        )
        if setup:
            ready = client.deploy(setup, DeployOptions())
            done = wait_for_deploy(client, ready.id, timeout=3600, sleep=clock.sleep, clock=clock)
            assert done.success, done.error_message
        before = emulator.requests.count("checkDeployStatus")
        traffic = Traffic()
        http.session.hooks["response"].append(traffic)
        job = client.deploy(zip_bytes, DeployOptions())
        queued = clock()
        result = wait_for_deploy(
            client,
            job.id,
            timeout=3600,
            sleep=clock.sleep,
            clock=clock,
            policy=policy,
            components=components,
        )
        assert result.success, result.component_failures[:3]
        polls = emulator.requests.count("checkDeployStatus") - before
        return Run(
            polls, clock() - (queued + length), traffic.calls, traffic.sent, traffic.received
        )


def compare(
    zip_bytes: bytes, components: int, lengths: Sequence[float], setup: bytes = b""
) -> dict[str, Any]:
    """Deploy ``zip_bytes`` once per length with each schedule; return per-length and totals."""
    rows = []
    for length in lengths:
        sf = measure(SF_SCHEDULE, length, zip_bytes, components, setup)
        ours = measure(PollPolicy(), length, zip_bytes, components, setup)
        rows.append({"length": length, "sf": asdict(sf), "ours": asdict(ours)})
    totals = {
        who: {key: sum(row[who][key] for row in rows) for key in asdict(Run(0, 0.0))}
        for who in ("sf", "ours")
    }
    return {"zip_bytes": len(zip_bytes), "components": components, "rows": rows, "totals": totals}


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
        print(
            f"{length:>7.1f}  {sf.requests:>11}  {ours.requests:>5}  {sf.delay:>12.2f}"
            f"  {ours.delay:>6.2f}"
        )
    n = len(LENGTHS)
    (sf_requests, sf_delay), (our_requests, our_delay) = totals["sf"], totals["ours"]
    print(
        f"{'total':>7}  {sf_requests:>11}  {our_requests:>5}  {sf_delay / n:>12.2f}"
        f"  {our_delay / n:>6.2f}   (delay: mean)"
    )
    print(
        f"requests: {our_requests / sf_requests:.0%} of sf's; "
        f"mean delay {our_delay / n:.2f} s vs {sf_delay / n:.2f} s"
    )
    return our_requests <= sf_requests and our_delay <= sf_delay


def sf_command() -> str | None:
    """Return the Salesforce CLI's ``sf`` when it is installed."""
    found = (p for p in (os.path.expanduser(c) for c in SF_CANDIDATES) if os.access(p, os.X_OK))
    return next(found, shutil.which("sf"))


def startup_figures(repeat: int, *, with_sf: bool = True) -> dict[str, Any]:
    """Median wall seconds of each start-up command, all run alternately ``repeat`` times."""
    ours = shutil.which("apionly-deploy") or str(Path(sys.executable).parent / "apionly-deploy")
    sf = sf_command() if with_sf else None
    env = {
        **os.environ,
        "SF_DISABLE_TELEMETRY": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
    }
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [ours, "--version"],
        "render --help": [ours, "render", "--help"],
        "deploy start --help": [ours, "deploy", "start", "--help"],
    }
    if sf:
        commands["sf --version"] = [sf, "--version"]
        commands["sf project deploy start --help"] = [sf, "project", "deploy", "start", "--help"]
    if repeat > 1:
        for command in commands.values():  # warm the file cache and the bytecode
            run_quietly(command, env)
    actions = [lambda c=c: run_quietly(c, env) for c in commands.values()]  # type: ignore[misc]
    medians = interleaved(repeat, *actions)
    return {
        "seconds": {name: round(t, 4) for name, t in zip(commands, medians, strict=True)},
        "sf": sf,
    }


def startup(repeat: int) -> bool:
    figures = startup_figures(repeat)
    times, has_sf = figures["seconds"], figures["sf"] is not None
    print(
        f"\nStart-up (median of {repeat}, wall time; "
        f"python -c pass {times['python -c pass']:.3f} s)"
    )
    ok = True
    pairs = (
        ("--version", "sf --version"),
        ("deploy start --help", "sf project deploy start --help"),
    )
    for ours, theirs in pairs:
        if not has_sf:
            print(f"  {ours:<20} ours {times[ours]:.3f} s   sf: not installed (.ci/install-sf-cli)")
            continue
        ratio = times[ours] / times[theirs]
        ok = ok and ratio < 0.2
        print(
            f"  {ours:<20} ours {times[ours]:.3f} s   sf {times[theirs]:.3f} s   ratio {ratio:.2f}"
        )
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
