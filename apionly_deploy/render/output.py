"""Put a freshly written folder in place of the render output in one step.

A render is written into a staging folder beside the output, then swapped in. On Linux the swap
is one ``renameat2(RENAME_EXCHANGE)``: the output folder is never absent, and concurrent renders
into one folder each swap their own in (the last one wins). Elsewhere, or on a file system
without it, two renames with bounded retries stand in. Each staging folder is locked while its
run is alive, so a later run removes the leftovers of runs that were killed, and only those.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no leftover detection
    fcntl = None  # type: ignore[assignment]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_NOT_SUPPORTED = frozenset({errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV})
_RACES = frozenset({errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST})
_ATTEMPTS = 50


@lru_cache(maxsize=1)
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function: Callable[..., int] = libc.renameat2
    except (OSError, AttributeError):
        return None  # an old C library
    return function


def exchange(a: Path, b: Path) -> bool:
    """Swap the folders ``a`` and ``b`` in one step; return False where the OS cannot."""
    function = _renameat2()
    if function is None:
        return False
    done = function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in _NOT_SUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def prefix(out_dir: Path) -> str:
    """Return the name prefix of the staging folders beside ``out_dir``."""
    return f".{out_dir.name}.new-"


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a new staging folder beside ``out_dir``, locked while this run is alive; remove it
    (whatever it holds by then) afterwards."""
    staging, fd = _locked_staging(out_dir)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(fd)


def _locked_staging(out_dir: Path) -> tuple[Path, int]:
    # Another run's remove_leftovers may take a folder between mkdtemp and our lock: the lock
    # then fails, or the path no longer names the folder we locked; take a new one.
    for _ in range(_ATTEMPTS):
        staging = Path(tempfile.mkdtemp(prefix=prefix(out_dir), dir=out_dir.parent))
        try:
            fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        if _lock(fd) and _same_folder(staging, fd):
            return staging, fd
        os.close(fd)
    raise OSError(errno.EBUSY, "cannot create a staging folder beside it", str(out_dir))


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _same_folder(path: Path, fd: int) -> bool:
    try:
        return os.path.samestat(os.stat(path), os.fstat(fd))
    except FileNotFoundError:
        return False


def remove_leftovers(out_dir: Path) -> None:
    """Remove staging folders beside ``out_dir`` that no live run holds (killed runs')."""
    if fcntl is None:
        return
    for entry in out_dir.parent.glob(f"{prefix(out_dir)}*"):
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY)
        except OSError:
            continue  # gone already, or not a folder of ours
        try:
            if _lock(fd):  # else a live run's; held while removing, so no run adopts it
                shutil.rmtree(entry, ignore_errors=True)
        finally:
            os.close(fd)


def swap_in(staging: Path, out_dir: Path) -> None:
    """Make ``staging`` the folder ``out_dir``; the previous output ends up in ``staging``."""
    for _ in range(_ATTEMPTS):
        try:
            os.rename(staging, out_dir)  # no output yet (or an empty one)
            return
        except OSError as exc:
            if exc.errno not in _RACES:
                raise
        try:
            if exchange(staging, out_dir) or _two_renames(staging, out_dir):
                return
        except OSError as exc:
            if exc.errno not in _RACES:
                raise
    raise OSError(errno.EBUSY, "other renders kept replacing it; try again", str(out_dir))


def _two_renames(staging: Path, out_dir: Path) -> bool:
    """Swap by moving the output aside first: briefly absent, where no exchange exists."""
    aside = staging.with_name(f"{staging.name}.old")  # a leftover if killed, removed later
    os.rename(out_dir, aside)
    try:
        os.rename(staging, out_dir)
    except OSError:
        try:
            os.rename(aside, out_dir)
        except OSError:  # another run's output took the place: the old one can go
            shutil.rmtree(aside, ignore_errors=True)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return True
