"""Write rendered source files into an existing sfdx package directory (``force-app``).

The folder belongs to the team: only the files of components the project declares are written
or replaced, each atomically, and nothing else is touched, moved or deleted. Which files are
ours is recorded in ``.apionly-owned.json`` at the package directory's root (a dot file, so the
Salesforce CLI ignores it), so a component the project drops has its file removed on the next
render, and only that file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import write_atomic
from apionly_deploy.model import names
from apionly_deploy.model.sfdx import find_sfdx_root, load_sfdx_project

OWNED_FILE = ".apionly-owned.json"
#: Where a component the package directory does not have yet is written.
DEFAULT_FOLDER = "main/default"


@dataclass(frozen=True, slots=True)
class PackageDirWrite:
    """What a render into a package directory did (paths relative to it, posix)."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def is_package_dir(folder: Path) -> bool:
    """Return True when ``folder`` is a package directory of its sfdx repository, or was
    rendered into before (it holds the ownership record)."""
    if (folder / OWNED_FILE).is_file():
        return True
    if not folder.is_dir():
        return False
    root = find_sfdx_root(folder)
    return root is not None and load_sfdx_project(root).package_dir_of(folder) is not None


def _existing(package_dir: Path) -> dict[str, str]:
    """Return ``{file name: relative path}`` of the permission files already in the folder."""
    found: dict[str, str] = {}
    for here, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith("-meta.xml") and names.kind_of_file_name(name) is not None:
                found.setdefault(name, (Path(here) / name).relative_to(package_dir).as_posix())
    return found


def _read_owned(package_dir: Path) -> list[str]:
    path = package_dir / OWNED_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not all(isinstance(f, str) for f in files):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{path}: not the record apionly-deploy writes; restore it from version control "
            "or delete it (then no file is removed for components the project dropped)"
        ) from None
    return [f for f in files if _safe(f)]


def _safe(rel: str) -> bool:
    path = PurePosixPath(rel)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _record(files: list[str]) -> bytes:
    doc = {
        "about": "files apionly-deploy renders into this package directory; "
        "a component dropped from apionly.toml has its file removed",
        "files": sorted(set(files)),
    }
    return (json.dumps(doc, indent=2) + "\n").encode()


def _targets(files: Mapping[str, bytes], package_dir: Path) -> Iterator[tuple[str, bytes]]:
    existing = _existing(package_dir)
    for rel, data in sorted(files.items()):
        name = PurePosixPath(rel).name
        if names.kind_of_file_name(name) is None:
            continue  # sfdx-project.json and the like belong to the repository
        inner = rel.split(f"{DEFAULT_FOLDER}/", 1)[-1]
        yield existing.get(name, f"{DEFAULT_FOLDER}/{inner}"), data


def write_into_package_dir(files: Mapping[str, bytes], package_dir: Path) -> PackageDirWrite:
    """Write the component files of a source-layout render into ``package_dir``, replacing a
    file of the same component wherever it lives there (else under ``main/default``)."""
    previous = _read_owned(package_dir)
    targets = list(_targets(files, package_dir))
    now = [rel for rel, _ in targets]
    # Own the union first: an interruption never leaves a file of ours unrecorded.
    write_atomic(package_dir / OWNED_FILE, _record(previous + now))
    written: list[str] = []
    unchanged: list[str] = []
    for rel, data in targets:
        path = package_dir / rel
        if path.is_file() and path.read_bytes() == data:
            unchanged.append(rel)
            continue
        write_atomic(path, data)
        written.append(rel)
    removed = []
    for rel in sorted(set(previous) - set(now)):
        path = package_dir / rel
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(rel)
    write_atomic(package_dir / OWNED_FILE, _record(now))
    return PackageDirWrite(tuple(written), tuple(unchanged), tuple(removed))
