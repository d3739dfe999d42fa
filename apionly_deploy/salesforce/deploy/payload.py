"""What gets uploaded: a project's package, a zip file, or a metadata folder, checked against
Salesforce's limits before a byte is sent."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from apionly_deploy.errors import ConfigError, ContentError
from apionly_deploy.fileio import read_limited

#: Salesforce's deploy limits: the SOAP message caps the base64 zip at 50 MB (about 39 MB of
#: zip), 600 MB uncompressed, 10,000 files.
MAX_ZIP_BYTES = 39 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 600 * 1024 * 1024
MAX_FILES = 10_000


@dataclass(frozen=True, slots=True)
class Payload:
    """A checked zip and where its files came from (for ``file:line`` in reports)."""

    zip_bytes: bytes
    source: str  # the project file, zip file or folder, as the user named it
    root: Path | None  # folder the zip's paths are relative to, when they exist on disk
    api_version: str | None = None
    project_dir: Path | None = None
    #: Files other than manifests: roughly the number of components.
    components: int | None = None


def component_count(names: list[str]) -> int:
    """Return how many zip entries are components (not package.xml / destructiveChanges)."""
    manifests = (
        "package.xml",
        "destructiveChanges.xml",
        "destructiveChangesPre.xml",
        "destructiveChangesPost.xml",
    )
    return sum(1 for n in names if PurePosixPath(n).name not in manifests)


def check_zip(data: bytes, *, source: str) -> list[str]:
    """Return the zip's file names; raise ContentError when Salesforce would refuse it."""
    if len(data) > MAX_ZIP_BYTES:
        raise ContentError(
            f"{source}: the zip is {len(data):,} bytes; Salesforce takes at most "
            f"{MAX_ZIP_BYTES:,} (split the deploy)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_sizes(infos, source)  # from the headers, before inflating (zip bombs)
            bad = archive.testzip()  # zipfile stops each entry at its declared size
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ContentError(f"{source}: not a valid zip file ({exc})") from None
    if bad is not None:
        raise ContentError(f"{source}: zip entry {bad!r} is corrupt")
    names = [i.filename for i in infos if not i.is_dir()]
    if not any(
        PurePosixPath(n).name == "package.xml" and len(PurePosixPath(n).parts) <= 2 for n in names
    ):
        raise ContentError(f"{source}: no package.xml at the root of the zip")
    return names


def _check_sizes(infos: list[zipfile.ZipInfo], source: str) -> None:
    files = sum(1 for i in infos if not i.is_dir())
    if files > MAX_FILES:
        raise ContentError(f"{source}: {files:,} files; Salesforce takes at most {MAX_FILES:,}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ContentError(
            f"{source}: {total:,} bytes uncompressed; Salesforce takes at most "
            f"{MAX_UNCOMPRESSED_BYTES:,}"
        )


def from_zip_file(path: Path) -> Payload:
    """Read and check a zip file."""
    try:
        data = read_limited(path, MAX_ZIP_BYTES)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    names = check_zip(data, source=str(path))
    return Payload(data, str(path), root=None, components=component_count(names))


def from_metadata_dir(folder: Path) -> Payload:
    """Zip a Metadata API format folder: package.xml and the files it names, no outside link."""
    from apionly_deploy.render.package import zip_bytes
    from apionly_deploy.salesforce.deploy.folder import read_metadata_dir

    if not (folder / "package.xml").is_file():
        raise ContentError(
            f"{folder}: no package.xml; --metadata-dir takes a Metadata API folder "
            "(for a source-format folder such as force-app, use --source-dir)"
        )
    data = zip_bytes(read_metadata_dir(folder, budget=MAX_UNCOMPRESSED_BYTES))
    names = check_zip(data, source=str(folder))
    return Payload(data, str(folder), root=folder, components=component_count(names))


def from_project(project_dir: Path, *, org: str | None) -> Payload:
    """Load, build, validate and package a project (validation errors stop here)."""
    from apionly_deploy.project.pipeline import build_project

    built = build_project(project_dir, org=org, validate=True, bypass=None)
    data = built.package()
    names = check_zip(data, source=str(built.project.source.path))
    return Payload(
        zip_bytes=data,
        source=str(built.project.source.path),
        root=None,
        api_version=built.project.api_version,
        project_dir=built.project.root,
        components=component_count(names),
    )


def from_source_dirs(folders: list[Path], *, api_version: str | None) -> tuple[Payload, list[str]]:
    """Convert source-format folders to a Metadata API package (package.xml written for it);
    return it and the files left out (types the tool does not convert)."""
    from apionly_deploy.render.convert import convert_source
    from apionly_deploy.render.package import zip_bytes
    from apionly_deploy.render.templates import package_xml

    converted = convert_source(folders)
    if not converted.members:
        raise ContentError(f"{', '.join(map(str, folders))}: no components to deploy")
    files = {
        **converted.files,
        "package.xml": package_xml(converted.members, api_version=api_version),
    }
    source = ", ".join(str(f) for f in folders)
    data = zip_bytes(files)
    names = check_zip(data, source=source)
    payload = Payload(
        data, source, root=None, api_version=api_version, components=component_count(names)
    )
    return payload, converted.left_out
