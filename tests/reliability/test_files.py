"""Files the tool writes: atomic, an interrupted command leaves the previous state, and several
processes on one project do not corrupt `.apionly/`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy import fileio
from apionly_deploy.cli import cli
from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.model.components import Kind
from apionly_deploy.salesforce.deploy import Job, JobStore
from apionly_deploy.salesforce.retrieve.files import layout_paths, write_files

from .support import (
    json_of,
    run_subprocess,
    secret_env,
    start_subprocess,
    wait_for,
    write_metadata_dir,
    write_project,
)

RECORDER = """
import sys
from pathlib import Path
from apionly_deploy.salesforce.deploy import Job, JobStore

store = JobStore(Path(sys.argv[1]))
for n in range(int(sys.argv[3])):
    job_id = f"0Af{sys.argv[2]}{n:06d}"
    store.record(Job(id=job_id, org=sys.argv[2], kind="deploy", check_only=False, started="t"))
    store.set_status(job_id, "Succeeded")
"""


def job(n: int) -> Job:
    return Job(id=f"0Af{n:015d}", org="o", kind="deploy", check_only=False, started="t")


def test_two_processes_recording_jobs_lose_none(tmp_path: Path) -> None:
    """Read-modify-write of deploys.json is locked between processes: every job survives."""
    each = 40
    processes = [
        subprocess.Popen([sys.executable, "-c", RECORDER, str(tmp_path), org, str(each)])
        for org in ("a", "b", "c")
    ]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    jobs = JobStore(tmp_path).jobs()
    assert len(jobs) == 100  # KEEP: the newest 100 of 120
    assert {j.status for j in jobs} == {"Succeeded"}
    assert len({j.id for j in jobs}) == 100
    leftovers = [p.name for p in (tmp_path / ".apionly").iterdir()]
    assert sorted(leftovers) == ["deploys.json", "deploys.json.lock"]


def test_an_interrupted_job_write_leaves_the_previous_file(tmp_path, monkeypatch) -> None:
    store = JobStore(tmp_path)
    store.record(job(1))
    before = store.path.read_bytes()

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.record(job(2))
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        "deploys.json",
        "deploys.json.lock",
    ]


def test_an_interrupted_retrieve_write_leaves_the_previous_files(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    old = b"<PermissionSet/>"
    written = write_files(layout_paths({(Kind.PERMISSION_SET, "X"): old}, layout="mdapi"), out)
    calls = []

    def second_fails(src: str, dst: str) -> None:
        calls.append(dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "replace", second_fails)
    with pytest.raises(KeyboardInterrupt):
        write_files(layout_paths({(Kind.PERMISSION_SET, "X"): b"new"}, layout="mdapi"), out)
    assert written[0].read_bytes() == old
    assert [p.name for p in written[0].parent.iterdir()] == ["X.permissionset"]


def test_an_interrupted_render_leaves_the_previous_output(tmp_path, monkeypatch) -> None:
    from apionly_deploy.render import output

    project = tmp_path / "p"
    project.mkdir()
    (project / "apionly.toml").write_text(
        '[project]\napi_version = "62.0"\n\n[permission_sets.ERP]\nlabel = "ERP"\n'
        'license = "SalesforceAPIIntegrationPsl"\nuser_permissions = ["ApiEnabled"]\n'
    )
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["render", "-p", str(project), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (project / "apionly.toml").write_text(
        (project / "apionly.toml").read_text().replace('"ERP"\n', '"ERP 2"\n')
    )

    def interrupt_swap(staging, out_dir):
        assert Path(staging).name.startswith(".out.new-")
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "swap_in", interrupt_swap)
    interrupted = CliRunner().invoke(cli, ["render", "-p", str(project), "--out", str(out)])
    assert interrupted.exit_code == 130
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "p"]


def test_a_killed_deploy_leaves_a_readable_job_file_and_resume_finishes(
    emulator: EmulatorInfo, tmp_path: Path
) -> None:
    """SIGKILL mid-poll (a CI runner that vanished), then `deploy resume`, both as processes."""
    org_time = [1_000_000.0]
    emulator.configure(deploy_polls=None, deploy_seconds=100.0, clock=lambda: org_time[0])
    project = write_project(tmp_path / "p", {"emu": emulator})
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    env = {**secret_env({"emu": emulator}), "APIONLY_POLL_INTERVAL": "0.02:0.02"}
    process = start_subprocess(
        ["deploy", "start", "-p", str(project), "-o", "emu", "--metadata-dir", str(folder)], env
    )
    try:
        wait_for(lambda: emulator.requests.count("checkDeployStatus") >= 2 or bool(process.poll()))
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    [recorded] = JobStore(project).jobs()
    assert recorded.status == "Queued"
    org_time[0] += 100  # the org finishes meanwhile
    done = run_subprocess(["deploy", "resume", "-p", str(project), "-o", "emu", "--json"], env)
    assert done.returncode == 0, done.stderr
    doc = json_of(done.stdout)
    [(job_id, _)] = emulator.org.store.jobs("deploy")
    in_org = emulator.org.deploys.status(job_id, poll=False)[0]["status"]
    assert (doc["id"], doc["status"], in_org) == (job_id, "Succeeded", "Succeeded")
    assert job_id == recorded.id
    assert emulator.requests.count("deploy") == 1
    assert JobStore(project).find(job_id).status == "Succeeded"


def test_ctrl_c_mid_poll_cancels_in_the_org_and_exits_130(emulator, tmp_path) -> None:
    """SIGINT to a deploying process: the org cancels the job, the report says Canceled."""
    emulator.configure(never_finish=True)
    project = write_project(tmp_path / "p", {"emu": emulator})
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    env = {**secret_env({"emu": emulator}), "APIONLY_POLL_INTERVAL": "0.05:0.05"}
    process = start_subprocess(
        [
            "deploy",
            "start",
            "-p",
            str(project),
            "-o",
            "emu",
            "--metadata-dir",
            str(folder),
            "--json",
        ],
        env,
    )
    wait_for(lambda: emulator.requests.count("checkDeployStatus") >= 1 or bool(process.poll()))
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    [(job_id, _)] = emulator.org.store.jobs("deploy")
    status = emulator.org.deploys.status(job_id, poll=False)[0]["status"]
    doc = json_of(stdout)
    assert (doc["id"], doc["status"], status) == (job_id, "Canceled", "Canceled")
    assert doc["interrupted"] is True
    assert JobStore(project).find(job_id).status == "Canceled"


def test_two_deploy_processes_on_one_project_both_record_their_job(emulator, tmp_path) -> None:
    project = write_project(tmp_path / "p", {"emu": emulator})
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    env = secret_env({"emu": emulator})
    args = [
        "deploy",
        "start",
        "-p",
        str(project),
        "-o",
        "emu",
        "--metadata-dir",
        str(folder),
        "--async",
        "--json",
    ]
    processes = [start_subprocess(args, env) for _ in range(3)]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    printed = {json_of(out)["id"] for out, _ in outputs}
    in_org = {job_id for job_id, _ in emulator.org.store.jobs("deploy")}
    recorded = {j.id for j in JobStore(project).jobs()}
    assert len(printed) == 3 and printed == in_org == recorded
    json.loads((project / ".apionly" / "deploys.json").read_text())


def test_a_corrupt_job_file_stops_the_deploy_before_the_upload(
    tmp_path: Path, emulator: EmulatorInfo
) -> None:
    """The job store is read before uploading, so a job id can never be lost behind it."""
    project = write_project(tmp_path / "project", {"emu": emulator})
    (project / ".apionly").mkdir()
    (project / ".apionly" / "deploys.json").write_text("{not json")
    folder = write_metadata_dir(tmp_path / "md", ["Good"])
    result = CliRunner().invoke(
        cli,
        ["deploy", "start", "-p", str(project), "-o", "emu", "--metadata-dir", str(folder)],
        env=secret_env({"emu": emulator}),
        catch_exceptions=False,
    )
    assert result.exit_code == 3, result.output
    assert "deploys.json: unreadable job file" in result.stderr
    assert emulator.requests.count("deploy") == 0


def test_a_job_that_cannot_be_recorded_is_printed_with_its_resume_command(
    tmp_path: Path, emulator: EmulatorInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk after the upload: exit 4, the job id and how to follow it, no traceback."""
    project = write_project(tmp_path / "project", {"emu": emulator})
    folder = write_metadata_dir(tmp_path / "md", ["Good"])

    def disk_full(self: JobStore, job: Job) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(JobStore, "record", disk_full)
    result = CliRunner().invoke(
        cli,
        [
            "deploy",
            "start",
            "-p",
            str(project),
            "-o",
            "emu",
            "--metadata-dir",
            str(folder),
            "--json",
        ],
        env={**secret_env({"emu": emulator}), "APIONLY_POLL_INTERVAL": "0:0"},
        catch_exceptions=False,
    )
    assert result.exit_code == 4, result.output
    [(job_id, _)] = [(j, s) for j, s in emulator.org.store.jobs("deploy")]
    document = json_of(result.stdout)
    assert document["id"] == job_id
    assert "No space left on device" in str(document["error"])
    assert f"deploy resume -p {project} -o emu --job-id {job_id}" in str(document["error"])
