"""Atomic file writing, shared by render, deploy (the job store), retrieve and the project file.

A write goes to a temporary file beside the target, is flushed to disk, then renamed over the
target: a reader sees the old file or the new one, never half of either.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from apionly_deploy.errors import ConfigError


def _mode_for(path: Path) -> int:
    """Return the mode the file at ``path`` has, or a new file's (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, keeping the file's
    mode (a new file gets the usual one, not mkstemp's 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, *, what: str) -> Any:
    """Return the JSON document in ``path``; raise ConfigError naming the file and ``what``."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: {what}: not valid JSON ({exc}); fix the file") from None


def read_limited(path: Path, limit: int, *, head: bool = False) -> bytes:
    """Return the bytes of the regular file ``path``, refusing more than ``limit`` of them.

    The size is what is actually read, not what ``stat`` says (``/dev/zero`` says 0). Devices,
    FIFOs and sockets are refused without waiting for them: opened non-blocking, checked with
    ``fstat``. Raise OSError (``strerror`` says why) for every refusal. With ``head`` return
    the first ``limit`` bytes of a longer file instead.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, FIFO or socket)", str(path))
        data = handle.read(limit + 1)
    if head:
        return data[:limit]
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"over the {limit:,}-byte limit", str(path))
    return data
