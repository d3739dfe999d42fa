"""`apionly-deploy init`: the files of a new project, which render and validate as they are."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import write_atomic
from apionly_deploy.project.config import PROJECT_FILE

#: (file in this package, file in the new project)
_FILES = (("apionly.toml", PROJECT_FILE), ("APIONLY.md", "APIONLY.md"))


def create(directory: Path) -> list[tuple[str, Path]]:
    """Write a new project into ``directory``; never overwrite an existing project file.

    Return what was done to which file: ``("created", path)`` or ``("appended to", path)``.
    """
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: exists and is not a folder; init a new or existing folder")
    if (directory / PROJECT_FILE).exists():
        raise ConfigError(
            f"{directory / PROJECT_FILE}: a project already exists here; edit it, or init elsewhere"
        )
    package = resources.files("apionly_deploy.project").joinpath("scaffold")
    written = []
    for source, target in _FILES:
        path = directory / target
        if path.exists():
            continue
        write_atomic(path, package.joinpath(source).read_bytes())
        written.append(("created", path))
    written += _extend_gitignore(directory, package.joinpath("gitignore").read_text())
    return written


def _extend_gitignore(directory: Path, lines: str) -> list[tuple[str, Path]]:
    path = directory / ".gitignore"
    existed = path.exists()
    existing = path.read_text() if existed else ""
    if ".apionly/" in existing.splitlines():
        return []
    joined = existing + ("\n" if existing and not existing.endswith("\n") else "") + lines
    write_atomic(path, joined.encode())  # keeps the file's mode
    return [("appended to" if existed else "created", path)]
