"""Run a function over chunks of work in worker processes, results in the order of the chunks.

Workers are started with ``spawn``, never ``fork``: the deployer and the local org run threads,
and a forked child can inherit a lock another thread held at that moment, never to be released.
A spawned worker is a fresh interpreter, so ``function`` must be a module-level function and
its argument and result picklable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

Task = TypeVar("Task")
Result = TypeVar("Result")


def available_cores() -> int:
    """Return the cores this process may run on (``os.process_cpu_count()`` where it exists)."""
    counter: Callable[[], int | None] | None = getattr(os, "process_cpu_count", None)
    if counter is not None:  # Python 3.13+
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def chunks_of(items: Sequence[Task], sizes: Sequence[int], *, chunk_bytes: int) -> list[list[Task]]:
    """Split ``items`` in order into runs of about ``chunk_bytes`` (each run at least one item)."""
    chunks: list[list[Task]] = []
    current: list[Task] = []
    filled = 0
    for item, size in zip(items, sizes, strict=True):
        current.append(item)
        filled += size
        if filled >= chunk_bytes:
            chunks.append(current)
            current, filled = [], 0
    if current:
        chunks.append(current)
    return chunks


def map_in_processes(
    function: Callable[[Task], Result], tasks: Sequence[Task], *, jobs: int
) -> list[Result]:
    """Return ``[function(t) for t in tasks]``, computed by this process and ``jobs - 1`` others.

    Every process takes the next task from one shared counter until none is left, so the work
    evens out. This process starts at once, while the others start up (a spawned interpreter
    takes ~0.1 s to import what it needs). A worker that dies raises ``BrokenProcessPool`` here
    rather than leaving its tasks undone.
    """
    helpers = min(jobs, len(tasks)) - 1
    if helpers < 1:
        return [function(task) for task in tasks]
    import multiprocessing  # here: render and deploy import this module, never start workers
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    with ProcessPoolExecutor(
        helpers, mp_context=context, initializer=_share_counter, initargs=(counter,)
    ) as pool:
        pending = {pool.submit(_take_tasks, function, tasks) for _ in range(helpers)}
        results = _take(function, tasks, counter)
        while len(results) < len(tasks):
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for share in done:
                results.update(share.result())
    return [results[index] for index in range(len(tasks))]


#: The counter of a worker process, set once when it starts.
_counter: Synchronized[int] | None = None


def _share_counter(counter: Synchronized[int]) -> None:
    global _counter  # one per worker process, set by the pool's initializer
    _counter = counter


def _take_tasks(function: Callable[[Task], Result], tasks: Sequence[Task]) -> dict[int, Result]:
    if _counter is None:
        raise RuntimeError("a worker started without the pool's initializer")
    return _take(function, tasks, _counter)


def _take(
    function: Callable[[Task], Result], tasks: Sequence[Task], counter: Synchronized[int]
) -> dict[int, Result]:
    """Run the tasks nobody has taken yet, one at a time; return them by index."""
    done: dict[int, Result] = {}
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= len(tasks):
            return done
        done[index] = function(tasks[index])
