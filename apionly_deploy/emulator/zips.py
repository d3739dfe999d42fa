"""Read a deploy zip into memory safely: no path escapes, Salesforce's size and count limits.

Nothing is ever written to disk; sizes are counted while inflating, so a zip bomb that lies
in its headers is stopped at the limit.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass


class ZipProblem(Exception):
    """The zip cannot be deployed; the message is what the org reports."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_zip_bytes: int
    max_unzipped_bytes: int
    max_files: int


def safe_name(name: str) -> str | None:
    """Return the normalized entry name, or None when it escapes the zip root."""
    if "\\" in name or name.startswith("/") or "\x00" in name:
        return None
    if len(name) > 1 and name[1] == ":":
        return None
    normal = posixpath.normpath(name)
    if normal in (".", "..") or normal.startswith("../"):
        return None
    return normal


def read_zip(data: bytes, limits: Limits) -> dict[str, bytes]:
    """Return the files of a zip by entry name; raise ZipProblem for anything unsafe."""
    if len(data) > limits.max_zip_bytes:
        raise ZipProblem(
            f"The zip file is {len(data):,} bytes, over the limit of {limits.max_zip_bytes:,} "
            "bytes. Split the deployment into smaller ones."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ZipProblem("The zip file is not a valid zip file (it may be corrupt).") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > limits.max_files:
            raise ZipProblem(
                f"The zip file holds {len(entries):,} files, over the limit of "
                f"{limits.max_files:,} files."
            )
        return _inflate(archive, entries, limits)


def _inflate(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limits: Limits
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for info in entries:
        name = safe_name(info.filename)
        if name is None:
            raise ZipProblem(f"The zip file has an entry outside its root: {info.filename}")
        chunks = []
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(1024 * 1024):
                    total += len(chunk)
                    if total > limits.max_unzipped_bytes:
                        raise ZipProblem(
                            f"The zip file unzips to more than {limits.max_unzipped_bytes:,} "
                            "bytes, over the limit."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, NotImplementedError, OSError, RuntimeError) as exc:
            raise ZipProblem(f"The zip file entry {info.filename} cannot be read: {exc}") from None
        files[name] = b"".join(chunks)
    return files
