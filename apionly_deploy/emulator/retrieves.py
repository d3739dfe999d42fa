"""Retrieve jobs: build the zip of the components a request names, as Salesforce lays it out."""

from __future__ import annotations

import base64
import io
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apionly_deploy.emulator import components, packages
from apionly_deploy.emulator.deploys import JobError
from apionly_deploy.emulator.settings import EmulatorSettings
from apionly_deploy.emulator.store import Store, StoredComponent

#: Which profile entries a retrieved component type brings along, and how its name keys them.
_PROFILE_ENTRIES = {
    "CustomObject": ("objectPermissions", "customSettingAccesses", "customMetadataTypeAccesses"),
    "CustomField": ("fieldPermissions",),
    "ApexClass": ("classAccesses",),
    "ApexPage": ("pageAccesses",),
    "CustomTab": ("tabVisibilities",),
    "Layout": ("layoutAssignments",),
    "RecordType": ("recordTypeVisibilities",),
    "CustomApplication": ("applicationVisibilities",),
    "Flow": ("flowAccesses",),
    "ExternalDataSource": ("externalDataSourceAccesses",),
}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class RetrieveRequest:
    api_version: str
    single_package: bool
    types: tuple[tuple[str, tuple[str, ...]], ...] = ()
    package_names: tuple[str, ...] = ()
    specific_files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileProperty:
    file_name: str
    full_name: str
    type: str
    id: str
    created: float
    modified: float


@dataclass(frozen=True, slots=True)
class RetrieveResult:
    id: str
    done: bool
    status: str
    success: bool
    files: tuple[FileProperty, ...] = ()
    messages: tuple[tuple[str, str], ...] = ()
    zip_file: str | None = None
    error_message: str | None = None
    error_status_code: str | None = None
    created_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class RetrieveEngine:
    """Queue retrieves; each completes on its first status check."""

    def __init__(self, store: Store, settings: Callable[[], EmulatorSettings]) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()

    def start(self, request: RetrieveRequest, *, user_id: str) -> str:
        now = self._settings().clock()
        job_id = self._store.new_id("RetrieveRequest")
        state = {
            "done": False,
            "status": "Pending",
            "created_by": user_id,
            "created": now,
            "request": {
                "api_version": request.api_version,
                "single_package": request.single_package,
                "types": [[t, list(m)] for t, m in request.types],
                "package_names": list(request.package_names),
                "specific_files": list(request.specific_files),
            },
            "result": None,
        }
        self._store.put_job(job_id, "retrieve", now, state)
        return job_id

    def status(self, job_id: str, *, include_zip: bool = True) -> RetrieveResult:
        with self._lock:
            found = self._store.get_job(job_id)
            if found is None or found[0] != "retrieve":
                raise JobError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            state = found[2]
            if not state["done"]:
                self._complete(job_id, state)
            return _result(job_id, state, include_zip=include_zip)

    def _complete(self, job_id: str, state: dict[str, Any]) -> None:
        raw = state["request"]
        request = RetrieveRequest(
            api_version=raw["api_version"],
            single_package=raw["single_package"],
            types=tuple((t, tuple(m)) for t, m in raw["types"]),
            package_names=tuple(raw["package_names"]),
            specific_files=tuple(raw["specific_files"]),
        )
        if request.package_names:
            name = request.package_names[0]
            problem = f"INVALID_CROSS_REFERENCE_KEY: No package named '{name}' found"
            state.update(
                done=True,
                status="Failed",
                result={
                    "error_message": problem,
                    "error_status_code": "UNKNOWN_EXCEPTION",
                },
            )
        else:
            state.update(done=True, status="Succeeded", result=self._build(request))
        self._store.update_job(job_id, state)

    def _build(self, request: RetrieveRequest) -> dict[str, Any]:
        prefix = "" if request.single_package else "unpackaged/"
        found: list[StoredComponent] = []
        messages: list[list[str]] = []
        for type_name, members in request.types:
            if type_name not in packages.TYPE_FOLDERS:
                continue
            stored = {c.full_name: c for c in self._store.components(type_name)}
            for member in members:
                if member == "*":
                    found += stored.values()
                elif member in stored:
                    found.append(stored[member])
                elif type_name in packages.PERMISSION_ORDER:
                    messages.append(
                        [
                            f"{prefix}package.xml",
                            f"Entity of type '{type_name}' named '{member}' cannot be found",
                        ]
                    )
        keep = _profile_keep(request)
        files: dict[str, bytes] = {f"{prefix}package.xml": _package_xml(request)}
        properties = []
        for component in dict.fromkeys(found):
            files[prefix + component.file_name] = components.served_xml(
                component,
                keep=keep if component.type == "Profile" else None,
            )
            properties.append(
                [
                    prefix + component.file_name,
                    component.full_name,
                    component.type,
                    component.id,
                    component.created,
                    component.modified,
                ]
            )
        return {"files": properties, "messages": messages, "zip": _zip(files)}


def _profile_keep(request: RetrieveRequest) -> dict[str, set[str] | None]:
    keep: dict[str, set[str] | None] = {}
    for type_name, members in request.types:
        for tag in _PROFILE_ENTRIES.get(type_name, ()):
            current = keep.setdefault(tag, set())
            if "*" in members:
                keep[tag] = None
            elif current is not None:
                current.update(members)
        fields = keep.setdefault("fieldPermissions", set())
        if type_name == "CustomObject" and "*" in members:
            keep["fieldPermissions"] = None
        elif type_name == "CustomObject" and fields is not None:
            # An object in the retrieve brings the profile's entries for all its fields.
            fields.update(f"{name}.*" for name in members)
    return keep


def _package_xml(request: RetrieveRequest) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<Package xmlns="http://soap.sforce.com/2006/04/metadata">',
    ]
    for type_name, members in request.types:
        lines.append("    <types>")
        lines += [f"        <members>{m}</members>" for m in members]
        lines.append(f"        <name>{type_name}</name>")
        lines.append("    </types>")
    lines += [f"    <version>{request.api_version}</version>", "</Package>", ""]
    return "\n".join(lines).encode()


def _zip(files: dict[str, bytes]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return base64.b64encode(buffer.getvalue()).decode()


def _result(job_id: str, state: dict[str, Any], *, include_zip: bool) -> RetrieveResult:
    result = state["result"] or {}
    files = tuple(FileProperty(*f) for f in result.get("files", ()))
    package = FileProperty(
        file_name=("" if state["request"]["single_package"] else "unpackaged/") + "package.xml",
        full_name=("" if state["request"]["single_package"] else "unpackaged/") + "package.xml",
        type="Package",
        id="",
        created=state["created"],
        modified=state["created"],
    )
    succeeded = state["status"] == "Succeeded"
    return RetrieveResult(
        id=job_id,
        done=state["done"],
        status=state["status"],
        success=succeeded,
        files=(package, *files) if succeeded else (),
        messages=tuple((m[0], m[1]) for m in result.get("messages", ())),
        zip_file=result.get("zip") if include_zip else None,
        error_message=result.get("error_message"),
        error_status_code=result.get("error_status_code"),
        created_by=state["created_by"],
    )
