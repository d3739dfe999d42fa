"""``<project>/.apionly/deploys.json``: every deploy job id, written before polling starts.

A crash, a killed CI runner or a detached Ctrl-C leaves the id here, so ``deploy resume`` finds
the job again. Writes are atomic (temporary file + rename) and serialised between threads and,
with an advisory lock on ``deploys.json.lock``, between processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from apionly_deploy.errors import ConfigError, UnknownJobError
from apionly_deploy.fileio import read_limited, write_atomic

STATE_DIR = ".apionly"
JOBS_FILE = "deploys.json"
KEEP = 100  # most recent jobs kept
MAX_JOBS_BYTES = 4 * 1024 * 1024  # 100 jobs take about 30 KB


@dataclass(frozen=True, slots=True)
class Job:
    """One deploy job as the client knows it."""

    id: str
    org: str
    kind: str  # deploy | validate | quick
    check_only: bool
    started: str
    status: str = "Queued"
    instance_url: str = ""


def now_utc() -> str:
    """Return the current time as ISO 8601 UTC, seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) between processes.

    Two deploys from one project (two CI jobs on one runner, a deploy and a resume) would
    otherwise both read the job file, each add their job, and the last rename would drop the
    other's. Where ``fcntl`` is missing (Windows) only the rename keeps the file whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class JobStore:
    """Read and update the job file of one project folder."""

    _lock = threading.Lock()

    def __init__(self, project_dir: Path) -> None:
        self.path = project_dir / STATE_DIR / JOBS_FILE

    def jobs(self) -> list[Job]:
        """Return the recorded jobs, oldest first."""
        try:
            data = json.loads(read_limited(self.path, MAX_JOBS_BYTES))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path}: unreadable job file ({exc}); delete it") from None
        entries = data.get("jobs", []) if isinstance(data, dict) else []
        fields = set(Job.__dataclass_fields__)
        return [
            Job(**{k: v for k, v in e.items() if k in fields})
            for e in entries
            if isinstance(e, dict) and {"id", "org", "kind", "check_only", "started"} <= set(e)
        ]

    def _update(self, change: Callable[[list[Job]], list[Job]]) -> None:
        with self._lock, file_lock(self.path.with_name(self.path.name + ".lock")):
            jobs = change(self.jobs())[-KEEP:]
            document = {"version": 1, "jobs": [asdict(j) for j in jobs]}
            write_atomic(self.path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))

    def check(self) -> None:
        """Raise ConfigError unless the job file can be read and updated (before an upload)."""
        self.jobs()
        try:
            with file_lock(self.path.with_name(self.path.name + ".lock")):
                pass
        except OSError as exc:
            raise ConfigError(
                f"{self.path.parent}: cannot record deploy jobs there ({exc.strerror}); "
                "make it writable"
            ) from None

    def record(self, job: Job) -> None:
        """Add ``job`` (replacing an entry with the same id)."""
        self._update(lambda jobs: [*(j for j in jobs if j.id != job.id), job])

    def set_status(self, job_id: str, status: str) -> None:
        """Record the last known status of ``job_id``."""
        self._update(
            lambda jobs: [replace(j, status=status) if j.id == job_id else j for j in jobs]
        )

    def latest(self, org: str, *, kind: str | None = None) -> Job:
        """Return the newest job for ``org`` (of ``kind``), or raise ConfigError."""
        for job in reversed(self.jobs()):
            if job.org == org and (kind is None or job.kind == kind):
                return job
        what = f"{kind} job" if kind else "deploy job"
        raise UnknownJobError(f"no {what} for org {org!r} in {self.path}; pass --job-id")

    def find(self, job_id: str) -> Job | None:
        """Return the recorded job with ``job_id``, or None."""
        return next((j for j in self.jobs() if j.id == job_id), None)
