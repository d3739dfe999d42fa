"""Find permission files under the paths a user gives, and the API version each is written for."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import XmlError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model.components import Kind
from apionly_deploy.model.xmldoc import METADATA_NS, parse_file

PERMISSION_SUFFIXES = tuple(f".{kind.suffix}-meta.xml" for kind in Kind) + tuple(
    f".{kind.suffix}" for kind in Kind
)
#: Folders never worth walking into.
_PRUNED = frozenset({"node_modules", "__pycache__"})
#: Manifests and project files that are XML but never permission metadata.
_MANIFESTS = frozenset(
    {
        "package.xml",
        "destructiveChanges.xml",
        "destructiveChangesPre.xml",
        "destructiveChangesPost.xml",
    }
)
_ROOT_PEEK = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(Profile|PermissionSet|MutingPermissionSet|PermissionSetGroup)[\s>/]"
)


@dataclass(frozen=True, slots=True)
class Target:
    """A file to validate; ``explicit`` when the user named it rather than a folder holding it."""

    path: Path
    explicit: bool


@dataclass(frozen=True, slots=True)
class Skipped:
    """An XML file found in a folder that is not permission metadata."""

    path: Path


def is_permission_file_name(name: str) -> bool:
    """Return True when a file name has a Profile/PermissionSet/... suffix."""
    return name.endswith(PERMISSION_SUFFIXES)


def _looks_like_permission_xml(path: Path) -> bool:
    """Peek at the first 4 KB of a plain ``.xml`` file for a permission root element."""
    try:
        head = read_limited(path, 4096, head=True)
    except OSError:
        return False
    return _ROOT_PEEK.search(head) is not None


def _walk(folder: Path) -> Iterator[Path]:
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _PRUNED)
        for name in sorted(files):
            yield Path(here) / name


def discover(paths: Sequence[Path]) -> Iterator[Target | Skipped]:
    """Yield every file to validate under ``paths``, in a stable order.

    Named files are always targets. In folders, files with a permission suffix are targets,
    plain ``.xml`` files are targets when their root looks like a permission type and are
    reported as skipped otherwise; other files (``-meta.xml`` of other types...) are ignored.
    """
    for path in paths:
        if not path.is_dir():
            yield Target(path, explicit=True)
            continue
        for file in _walk(path):
            name = file.name
            if is_permission_file_name(name):
                yield Target(file, explicit=False)
            elif (
                name.endswith(".xml") and not name.endswith("-meta.xml") and name not in _MANIFESTS
            ):
                yield Target(file, False) if _looks_like_permission_xml(file) else Skipped(file)


class VersionFinder:
    """Work out a file's API version: the flag, else mdapi ``package.xml``, else
    ``sfdx-project.json``'s ``sourceApiVersion``; None when nothing says. Cached per folder."""

    def __init__(self, api_version: str | None = None) -> None:
        self.fixed = api_version
        self._package: dict[Path, str | None] = {}
        self._project: dict[Path, str | None] = {}
        self._folders: dict[str, str | None] = {}

    def for_file(self, path: Path) -> str | None:
        """Return the API version ``path`` is written for, or None."""
        if self.fixed:
            return self.fixed
        folder = os.path.dirname(path)  # a string: cheaper to hash than a Path, per file
        if folder not in self._folders:
            self._folders[folder] = self._for_folder(path.resolve().parent)
        return self._folders[folder]

    def _for_folder(self, folder: Path) -> str | None:
        for candidate in (folder, folder.parent):
            version = self._package_version(candidate)
            if version:
                return version
        return self._project_version(folder)

    def _package_version(self, folder: Path) -> str | None:
        if folder not in self._package:
            self._package[folder] = _read_package_version(folder / "package.xml")
        return self._package[folder]

    def _project_version(self, folder: Path) -> str | None:
        if folder in self._project:
            return self._project[folder]
        version: str | None = None
        marker = folder / "sfdx-project.json"
        if marker.is_file():
            version = _read_project_version(marker)
        elif folder.parent != folder:
            version = self._project_version(folder.parent)
        self._project[folder] = version
        return version


def _read_package_version(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        root = parse_file(path)
    except XmlError:
        return None
    text = root.findtext(f"{{{METADATA_NS}}}version") or root.findtext("version")
    return text.strip() if text else None


def _read_project_version(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("sourceApiVersion") if isinstance(data, dict) else None
    return str(version) if version else None


def permission_files(paths: Sequence[Path]) -> list[Path]:
    """Return the files ``validate_paths`` checks under ``paths`` (what a report lists)."""
    return [item.path for item in discover(paths) if isinstance(item, Target)]


def sfdx_package_dirs(start: Path) -> tuple[list[Path], str | None] | None:
    """Return the existing package directories of the sfdx repository around ``start`` and its
    ``sourceApiVersion``, or None outside one."""
    from apionly_deploy.model.sfdx import find_sfdx_root, load_sfdx_project

    root = find_sfdx_root(start)
    if root is None:
        return None
    project = load_sfdx_project(root)
    here = start.resolve()
    folders = [p.relative_to(here) if p.is_relative_to(here) else p for p in project.package_dirs]
    return [p for p in folders if p.is_dir()], project.api_version
