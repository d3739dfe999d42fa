"""Build the deployable zip: mdapi layout plus package.xml, identical bytes on every run."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

from apionly_deploy.errors import RenderError
from apionly_deploy.model import names
from apionly_deploy.model.components import Bundle, Component
from apionly_deploy.render.templates import Layout, component_xml, manifest_files, render_files

#: Zip timestamps are fixed so the same input always gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
#: zlib's own default: level 9 takes 2.4x as long (0.30 s vs 0.13 s for the large org) for a
#: zip 14% smaller.
_LEVEL = 6


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = _FILE_MODE
    archive.writestr(info, data, compresslevel=_LEVEL)


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """Return a deterministic zip of ``files``: sorted entries, fixed times and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            _add(archive, name, files[name])
    return buffer.getvalue()


def build_package(
    bundle: Bundle,
    *,
    template_dir: Path | None = None,
    variables: Mapping[str, str] | None = None,
) -> bytes:
    """Return the deployable zip for ``bundle`` (files at the root, ``singlePackage`` style).

    The same bytes as ``zip_bytes(render_files(...))``, holding one rendered file at a time:
    each is rendered, compressed into the zip and dropped, in entry-name order. When a
    template fails, the error is the one ``render_files`` raises (first in component order).
    """
    try:
        return _stream(bundle, template_dir=template_dir, variables=variables)
    except RenderError:
        render_files(bundle, layout=Layout.MDAPI, template_dir=template_dir, variables=variables)
        raise


def _stream(
    bundle: Bundle, *, template_dir: Path | None, variables: Mapping[str, str] | None
) -> bytes:
    components: dict[str, Component] = {
        names.mdapi_path(c.kind, c.name): c
        for c in sorted(bundle.components, key=lambda c: (c.kind, c.name))
    }
    manifests = manifest_files(bundle, template_dir=template_dir)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(components.keys() | manifests.keys()):
            data = manifests.get(name)
            if data is None:
                data = component_xml(
                    components[name],
                    api_version=bundle.api_version,
                    template_dir=template_dir,
                    variables=variables,
                )
            _add(archive, name, data)
    return buffer.getvalue()
