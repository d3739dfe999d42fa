"""Validation in several processes: the same findings in the same order, workers spawned."""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from apionly_deploy.check import validate, workers
from apionly_deploy.cli import cli

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_validate.py"


def _bench_validate():
    spec = importlib.util.spec_from_file_location("bench_validate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 files of the validation benchmark's data, two of them with mistakes."""
    folder = tmp_path_factory.mktemp("bench")
    _bench_validate().generate(folder, files=60, entries=3_000)
    return folder


def test_workers_find_what_one_process_finds_in_the_same_order(bench_files, monkeypatch):
    used = []
    real = workers.map_in_processes

    def spy(function, tasks, *, jobs):
        used.append((len(tasks), jobs))
        return real(function, tasks, jobs=jobs)

    one = validate.validate_paths([bench_files], jobs=1)
    monkeypatch.setattr(validate.workers, "map_in_processes", spy)
    several = validate.validate_paths([bench_files], jobs=3, parallel_min_bytes=0)
    assert len(one) >= 4
    assert several == one
    assert used and used[0][0] > 3 and used[0][1] == 3


def test_small_inputs_stay_in_one_process(bench_files, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("started workers for a small input")

    monkeypatch.setattr(validate.workers, "map_in_processes", refuse)
    assert validate.validate_paths([bench_files], jobs=8)  # under PARALLEL_MIN_BYTES


def _wait_for_another_process(task: tuple[Path, int]) -> tuple[int, int]:
    """Task 0 waits until a task has run in another process; the others leave a mark."""
    folder, index = task
    me = os.getpid()
    if index != 0:
        (folder / f"mark-{me}").touch()
        return index, me
    deadline = time.monotonic() + 60
    while not any(p.name != f"mark-{me}" for p in folder.glob("mark-*")):
        assert time.monotonic() < deadline, "no other process took a task"
        time.sleep(0.01)
    return index, me


def test_tasks_are_shared_with_spawned_processes_and_results_keep_order(tmp_path, monkeypatch):
    methods = []
    real = multiprocessing.get_context

    def record(method=None):
        methods.append(method)
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", record)
    results = workers.map_in_processes(
        _wait_for_another_process, [(tmp_path, i) for i in range(6)], jobs=2
    )
    assert [index for index, _ in results] == list(range(6))
    assert len({pid for _, pid in results}) == 2
    assert methods == ["spawn"]  # never fork: the deployer and the local org run threads


def test_one_job_or_one_task_runs_here():
    assert workers.map_in_processes(abs, [-1, -2], jobs=1) == [1, 2]
    assert workers.map_in_processes(abs, [-3], jobs=4) == [3]


def test_chunks_keep_the_order_and_hold_about_the_size_asked():
    chunks = workers.chunks_of(list("abcdef"), [5, 5, 20, 1, 1, 1], chunk_bytes=10)
    assert chunks == [["a", "b"], ["c"], ["d", "e", "f"]]


def test_available_cores_prefers_the_process_count(monkeypatch):
    monkeypatch.setattr(os, "process_cpu_count", lambda: 3, raising=False)
    assert workers.available_cores() == 3
    monkeypatch.delattr(os, "process_cpu_count")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert workers.available_cores() == 2
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert workers.available_cores() == 1


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(value, tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--jobs", value, str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        f"Error: Invalid value for '--jobs' / '-j': {value if value != 'two' else repr(value)} "
    )


def test_jobs_flag_gives_the_same_report(bench_files):
    one = CliRunner().invoke(cli, ["validate", "-j", "1", str(bench_files)])
    several = CliRunner().invoke(cli, ["validate", "--jobs", "4", str(bench_files)])
    assert one.exit_code == several.exit_code == 1
    assert several.stdout == one.stdout and one.stdout
