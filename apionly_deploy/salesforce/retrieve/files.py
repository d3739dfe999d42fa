"""Unpack a retrieved zip safely and write its permission files into a source or mdapi tree."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from apionly_deploy.errors import ContentError
from apionly_deploy.model import names
from apionly_deploy.model.components import Kind

#: What a retrieve of permission metadata may unpack to: Salesforce caps a retrieve's zip at
#: about 39 MB and 10,000 files. Only permission files are read (held in memory): even a
#: profile with every field of a large org stays far below this.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_FILES = 10_000
SOURCE_ROOT = "force-app/main/default"


def safe_name(name: str) -> str:
    """Return a zip entry's path if it stays inside the target folder; raise ContentError."""
    path = PurePosixPath(name)
    bad = (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    )
    if bad:
        raise ContentError(f"retrieved zip: entry {name!r} would land outside the target folder")
    return path.as_posix()


def is_symlink(info: zipfile.ZipInfo) -> bool:
    """Return True for an entry a Unix unzip would create as a symbolic link."""
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def is_permission_path(path: str) -> bool:
    """Return True for a Profile, PermissionSet or PermissionSetGroup file in its folder."""
    pure = PurePosixPath(path)
    kind = names.kind_of_file_name(pure.name)
    return kind is not None and pure.parent.name == kind.folder


def unpack(data: bytes, *, keep: Callable[[str], bool] = is_permission_path) -> dict[str, bytes]:
    """Return ``{path: bytes}`` of the entries to ``keep``; refuse escaping entries, links and
    zip bombs (sizes are checked from the headers, and zipfile stops reading at them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            infos = [i for i in entries if not i.is_dir()]
            for info in infos:
                safe_name(info.filename)
                if is_symlink(info):
                    raise ContentError(f"retrieved zip: entry {info.filename!r} is a symbolic link")
            wanted = [i for i in infos if keep(i.filename)]
            if len(entries) > MAX_FILES or sum(i.file_size for i in wanted) > MAX_UNPACKED_BYTES:
                raise ContentError("retrieved zip: too many files or too large unpacked")
            files = {i.filename: archive.read(i) for i in wanted}
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise ContentError(f"retrieved zip is not readable ({exc})") from None
    return files


def permission_files(files: Mapping[str, bytes]) -> dict[tuple[Kind, str], bytes]:
    """Return the permission components among unpacked files, keyed by (kind, name)."""
    found: dict[tuple[Kind, str], bytes] = {}
    for path, data in files.items():
        file_name = PurePosixPath(path).name
        kind = names.kind_of_file_name(file_name)
        if kind is not None and is_permission_path(path):
            found[(kind, names.component_name(file_name))] = data
    return found


def layout_paths(components: Mapping[tuple[Kind, str], bytes], *, layout: str) -> dict[str, bytes]:
    """Return ``{relative path: bytes}`` in ``source`` (sfdx) or ``mdapi`` layout."""
    if layout == "mdapi":
        return {names.mdapi_path(k, n): data for (k, n), data in components.items()}
    return {f"{SOURCE_ROOT}/{names.source_path(k, n)}": data for (k, n), data in components.items()}


def write_files(files: Mapping[str, bytes], out_dir: Path) -> list[Path]:
    """Write each file atomically under ``out_dir``; return the paths written."""
    from apionly_deploy.fileio import write_atomic

    root = out_dir.resolve()
    written = []
    for relative, data in sorted(files.items()):
        target = (root / safe_name(relative)).resolve()
        if root not in target.parents:
            raise ContentError(f"{relative!r} would land outside {out_dir}")
        write_atomic(target, data)
        written.append(target)
    return written
