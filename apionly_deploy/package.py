"""Build the deployable zip: mdapi layout plus package.xml, identical bytes on every run."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from apionly_deploy.model import Bundle
from apionly_deploy.render import Layout, render_files

#: Zip timestamps are fixed so the same input always gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """Return a deterministic zip of ``files``: sorted entries, fixed times and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = _FILE_MODE
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def build_package(
    bundle: Bundle,
    *,
    template_dir: Path | None = None,
    variables: Mapping[str, str] | None = None,
) -> bytes:
    """Return the deployable zip for ``bundle`` (files at the root, ``singlePackage`` style)."""
    files = render_files(
        bundle, layout=Layout.MDAPI, template_dir=template_dir, variables=variables
    )
    return zip_bytes(files)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
