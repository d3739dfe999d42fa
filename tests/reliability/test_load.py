"""Many deploys at once: 50 concurrent deploys against one org, and `-o a -o b ...` fan-out over
several orgs, with no result lost or crossed (each answer is checked against the org's record)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from apionly_deploy.emulator import EmulatorInfo, running_emulator
from apionly_deploy.salesforce.auth import org_config_from_table
from apionly_deploy.salesforce.deploy import (
    Hooks,
    JobStore,
    Outcome,
    Plan,
    TargetRun,
    Verb,
    from_metadata_dir,
    run_target,
)
from apionly_deploy.salesforce.metadata_api import DeployOptions

from .support import Cli, json_of, secret_env, write_metadata_dir, write_project

CLIENTS = 50


def test_50_concurrent_deploys_against_one_org(emulator: EmulatorInfo, tmp_path: Path) -> None:
    """Each client deploys its own permission set, all at once, sharing one project folder."""
    emulator.configure(deploy_polls=3)
    org = org_config_from_table(
        "emu",
        {
            "auth": "client-credentials",
            "client_id": emulator.client_id,
            "login_url": emulator.login_url,
            "ca_cert": str(emulator.ca_cert),
        },
        base_dir=tmp_path,
    )
    env = {"APIONLY_EMU_CLIENT_SECRET": emulator.client_secret}
    plan = Plan(project_dir=tmp_path, verb=Verb.START, environ=env)
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> tuple[str, Outcome]:
        name = f"Load_{index:02d}"
        payload = from_metadata_dir(write_metadata_dir(tmp_path / name, [name]))

        def action(run: TargetRun) -> Outcome:
            barrier.wait(timeout=60)  # everyone logged in: deploy at the same moment
            return run.start(payload, DeployOptions(), detach=False)

        hooks = Hooks(sleep=lambda seconds: None)
        return name, run_target(org, action, plan, hooks)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))

    in_org = dict(emulator.org.store.jobs("deploy"))
    assert len(in_org) == CLIENTS
    seen: set[str] = set()
    for name, outcome in results:
        assert outcome.error is None, outcome.error
        result = outcome.result
        assert result is not None and result.success
        assert outcome.job_id == result.id and result.id in in_org and result.id not in seen
        seen.add(result.id)
        assert [
            m.full_name for m in result.component_successes if m.component_type == "PermissionSet"
        ] == [name]
        state = emulator.org.deploys.status(result.id, poll=False)[0]
        assert state["status"] == "Succeeded"
        assert state["outcome"]["successes"][-1]["full_name"] == name
        stored = emulator.org.store.get_component("PermissionSet", name)
        assert stored is not None and f"<label>{name}</label>".encode() in stored.xml
    assert emulator.requests.count("deploy") == CLIENTS
    recorded = {j.id: j.status for j in JobStore(tmp_path).jobs()}
    assert recorded == dict.fromkeys(seen, "Succeeded")


def test_fan_out_over_twelve_orgs_on_three_emulators(tmp_path: Path) -> None:
    """`deploy start -o o0 ... -o o11 --json`: every result is the job its own org ran."""
    folder = write_metadata_dir(tmp_path / "md", ["Fan"])
    with running_emulator() as a, running_emulator() as b, running_emulator() as c:
        emulators = [a, b, c]
        for offset, info in enumerate(emulators):
            info.configure(deploy_polls=2)
            # Distinct id ranges, so a result reported for the wrong org cannot match by chance.
            info.org.store.set_meta("next_number", str(1000 * (offset + 1)))
        orgs = {f"o{i}": emulators[i % 3] for i in range(12)}
        project = write_project(tmp_path / "p", orgs)
        run = Cli({**secret_env(orgs), "APIONLY_POLL_INTERVAL": "0:0"})
        targets = [arg for name in orgs for arg in ("-o", name)]
        result = run(
            "deploy", "start", "-p", str(project), "--metadata-dir", str(folder), "--json", *targets
        )
        assert result.exit_code == 0, result.output
        doc = json_of(result.stdout)
        reported = {r["org"]: (r["id"], r["status"]) for r in doc["results"]}
        assert sorted(reported) == sorted(orgs)
        for name, info in orgs.items():
            job_id, status = reported[name]
            assert status == "Succeeded"
            assert job_id in dict(info.org.store.jobs("deploy")), (name, job_id)
        for info in emulators:
            assert info.requests.count("deploy") == 4
            assert {s["status"] for _, s in info.org.store.jobs("deploy")} == {"Succeeded"}
    recorded = {(j.org, j.id) for j in JobStore(project).jobs()}
    assert recorded == {(name, job_id) for name, (job_id, _) in reported.items()}
