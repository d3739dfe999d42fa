"""The sfdx project file (``sfdx-project.json``): where its package directories are and which
API version their source is written for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import read_json

PROJECT_JSON = "sfdx-project.json"


@dataclass(frozen=True, slots=True)
class SfdxProject:
    """An sfdx repository: its root, package directories (absolute) and source API version."""

    root: Path
    package_dirs: tuple[Path, ...]
    api_version: str | None

    def package_dir_of(self, folder: Path) -> Path | None:
        """Return the package directory ``folder`` is (resolved), or None."""
        wanted = folder.resolve()
        return next((p for p in self.package_dirs if p.resolve() == wanted), None)


def find_sfdx_root(start: Path) -> Path | None:
    """Return the nearest folder at or above ``start`` holding sfdx-project.json, or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_JSON).is_file():
            return folder
    return None


def load_sfdx_project(root: Path) -> SfdxProject:
    """Read ``root/sfdx-project.json``; raise ConfigError naming the file when it is wrong."""
    path = root / PROJECT_JSON
    data = read_json(path, what="the sfdx project file")
    dirs = data.get("packageDirectories") if isinstance(data, dict) else None
    if not isinstance(dirs, list) or not dirs:
        raise ConfigError(
            f'{path}: no "packageDirectories"; list at least one, e.g. '
            '[{"path": "force-app", "default": true}]'
        )
    folders: list[Path] = []
    for entry in dirs:
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or not rel.strip():
            raise ConfigError(f'{path}: every packageDirectories entry needs a "path"')
        folder = (root / rel).resolve()
        if not folder.is_relative_to(root.resolve()):
            raise ConfigError(f"{path}: package directory {rel!r} is outside the repository")
        folders.append(folder)
    version = data.get("sourceApiVersion")
    return SfdxProject(root, tuple(folders), str(version) if version else None)
