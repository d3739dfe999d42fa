"""Read a Metadata API folder for ``deploy start --metadata-dir``: only what package.xml names.

The folder may come from a pull request. A symbolic link such as ``leak.txt ->
/proc/self/environ`` would otherwise upload the environment, secrets included, to the org; a
stray file would be deployed unreviewed. Links that leave the folder, links to folders,
devices and FIFOs are refused by name; a file is taken only when package.xml names its
component (or lists ``*`` for a type whose folder is known); the root holds only package.xml
and destructiveChanges*.xml.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from apionly_deploy.errors import ContentError, XmlError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model.components import Kind
from apionly_deploy.model.xmldoc import MAX_DOCUMENT_BYTES, METADATA_NS, parse_bytes

_MANIFEST = re.compile(r"package\.xml|destructiveChanges(Pre|Post)?\.xml")
#: Folders of types whose ``*`` member can be expanded without asking the org.
_FOLDERS = {kind.value: kind.folder for kind in Kind} | {
    "ApexClass": "classes",
    "ApexTrigger": "triggers",
    "ApexPage": "pages",
    "CustomObject": "objects",
    "CustomPermission": "customPermissions",
    "CustomTab": "tabs",
    "Layout": "layouts",
    "Flow": "flows",
    "StaticResource": "staticresources",
}


def read_metadata_dir(folder: Path, *, budget: int) -> dict[str, bytes]:
    """Return ``{zip path: bytes}`` of the files package.xml names, reading at most ``budget``."""
    root = folder.resolve()
    manifest = root / "package.xml"
    if not manifest.is_file() or manifest.is_symlink():
        raise ContentError(f"{folder}: no package.xml; --metadata-dir takes a Metadata API folder")
    members, wildcards = _named(manifest, folder)
    files: dict[str, bytes] = {}
    total = 0
    for path in _walk(root, folder):
        relative = PurePosixPath(path.relative_to(root).as_posix())
        if not _is_named(relative, members, wildcards):
            raise ContentError(
                f"{folder / relative}: not named in package.xml; list its component there or "
                "remove the file (--metadata-dir uploads only what the manifest names)"
            )
        try:
            data = read_limited(path, budget - total)
        except OSError as exc:
            raise ContentError(f"{folder / relative}: cannot read: {exc.strerror}") from None
        total += len(data)
        files[relative.as_posix()] = data
    return files


def _walk(root: Path, shown: Path) -> Iterator[Path]:
    for here, dirs, names in os.walk(root):
        base = Path(here)
        for name in sorted(dirs):
            if (base / name).is_symlink() and not name.startswith("."):
                raise ContentError(
                    f"{shown / (base / name).relative_to(root)}: a symbolic link to a folder; "
                    "--metadata-dir follows none (copy the files in)"
                )
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = base / name
            if name.startswith("."):
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise ContentError(
                    f"{shown / path.relative_to(root)}: a symbolic link out of the folder; "
                    "--metadata-dir never follows one (copy the file in)"
                )
            yield path


def _named(manifest: Path, shown: Path) -> tuple[set[str], set[str]]:
    """Return the members package.xml lists, and the folders of types listed as ``*``."""
    try:
        root = parse_bytes(read_limited(manifest, MAX_DOCUMENT_BYTES), source=str(manifest))
    except OSError as exc:
        raise ContentError(f"{shown}/package.xml: cannot read: {exc.strerror}") from None
    except XmlError as exc:
        raise ContentError(str(exc)) from None
    ns = {"m": METADATA_NS}
    members: set[str] = set()
    wildcards: set[str] = set()
    for types in root.iterfind("m:types", ns):
        name = (types.findtext("m:name", "", ns) or "").strip()
        for member in types.iterfind("m:members", ns):
            text = (member.text or "").strip()
            if text == "*" and name in _FOLDERS:
                wildcards.add(_FOLDERS[name])
            elif text:
                members.add(text)
    return members, wildcards


def _is_named(path: PurePosixPath, members: set[str], wildcards: set[str]) -> bool:
    if len(path.parts) == 1:
        return _MANIFEST.fullmatch(path.name) is not None
    if path.parts[0] in wildcards:
        return True
    inner = PurePosixPath(*path.parts[1:]).as_posix().removesuffix("-meta.xml")
    stem = inner.rsplit(".", 1)[0] if "." in PurePosixPath(inner).name else inner
    bundle = path.parts[1].removesuffix("-meta.xml")  # aura/lwc bundles: a folder per member
    return stem in members or bundle in members or f"{path.parts[0]}/{stem}" in members
