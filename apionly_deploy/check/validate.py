"""Offline validation: schema and semantic rules on permission metadata, as a list of findings.

``validate_components`` checks model components (render runs it before writing);
``validate_paths`` checks files and folders in source or mdapi layout, with or without a
project. Neither raises on bad content: everything wrong is a Finding (rules.py lists them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

from lxml import etree

from apionly_deploy.check import schema, workers
from apionly_deploy.check.discover import Skipped, VersionFinder, discover
from apionly_deploy.check.entry_rules import ENTRY_KEYS, model_entry_findings
from apionly_deploy.check.entry_xml import EntryPlan, entry_plan, xml_entry_findings
from apionly_deploy.check.rules import RULES, Finding, Rule, Severity, make, worst
from apionly_deploy.check.scan import SCANNED_ENTRIES, scan_container
from apionly_deploy.check.schema_types import unique_children
from apionly_deploy.check.scripts import mixed_script_findings, xml_mixed_script_findings
from apionly_deploy.check.semantic import check_container
from apionly_deploy.errors import XmlError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model import names
from apionly_deploy.model.components import Component, Kind, PermissionContainer
from apionly_deploy.model.parse import kind_of_root
from apionly_deploy.model.xmldoc import MAX_DOCUMENT_BYTES, parse_bytes
from apionly_deploy.model.xmlread import line_of, namespace_prefix

#: A file to check: its path, whether the user named it, its API version (None: the newest).
FileTask = tuple[Path, bool, str | None]
#: Input below which one process is as fast as starting workers (two cores cross over at
#: 12-25 MB: ``benchmarks/bench_validate.py --crossover``, BENCHMARKS.md).
PARALLEL_MIN_BYTES = 16_000_000
#: Work handed to a worker at a time: big enough that handing it over costs little, small
#: enough that the workers finish together.
CHUNK_BYTES = 250_000

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "at_or_above",
    "sort_findings",
    "validate_bytes",
    "validate_components",
    "validate_files",
    "validate_paths",
    "validate_rendered",
    "worst",
]


def at_or_above(findings: Iterable[Finding], level: Severity) -> list[Finding]:
    """Return the findings whose severity is ``level`` or worse."""
    return [f for f in findings if f.severity.rank >= level.rank]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


# -- models --------------------------------------------------------------------------------


def validate_components(components: Iterable[Component], *, api_version: str) -> list[Finding]:
    """Check model components (findings point at ``component.source`` and entry lines)."""
    findings: list[Finding] = []
    for component in components:
        file = component.source or names.source_path(component.kind, component.name)
        findings += model_entry_findings(component, file=file)
        findings += mixed_script_findings(component, file=file)
        if isinstance(component, PermissionContainer):
            findings += check_container(component, file=file)
            findings += _model_schema(component, api_version=api_version, file=file)
    return sort_findings(findings)


def _model_schema(container: PermissionContainer, *, api_version: str, file: str) -> list[Finding]:
    """Report model content the schema of ``api_version`` has no element for."""
    version, mode = schema.resolve(api_version)
    types = schema.types_for(version).types
    root_type = types[container.kind.value]
    severity = mode.unknown_element_severity()
    findings = [
        make(
            "AO003",
            file,
            node.line,
            f"<{node.tag}> is not in the Metadata API {version} schema of <{container.kind}>",
            severity=severity,
        )
        for node in container.extras
        if node.tag not in root_type.children
    ]
    object_type = types.get(root_type.children["objectPermissions"].type)
    if object_type is not None and "viewAllFields" not in object_type.children:
        since = schema.element_since(object_type.name, "viewAllFields")
        findings += [
            make(
                "AO003",
                file,
                entry.line,
                f"{entry.object}: viewAllFields is not in the Metadata API {version} schema",
                severity=severity,
                hint=f"viewAllFields exists from API {since} on: raise the API version or drop it.",
            )
            for entry in container.object_permissions
            if entry.view_all_fields is not None
        ]
    return findings


# -- XML -----------------------------------------------------------------------------------


@cache
def _entry_plan(version: str, kind: Kind, ns: str, valid: bool) -> EntryPlan:
    skip = frozenset() if kind is Kind.PERMISSION_SET_GROUP else SCANNED_ENTRIES
    if not valid:
        return entry_plan(ns, (), skip)
    types = schema.types_for(version)
    unique = unique_children(types, kind.value)
    # A valid document holds no entry tag its type does not declare.
    absent = frozenset(ENTRY_KEYS) - types.types[types.roots[kind.value]].children.keys()
    return entry_plan(ns, tuple(sorted(unique.items())), skip | absent)


def _xml_error(source: str, err: XmlError) -> Finding:
    """Turn xmldoc's error into an AO001 finding at its line and column."""
    return make("AO001", source, err.line, err.problem, column=err.column)


def validate_bytes(
    data: bytes,
    *,
    source: str,
    name: str | None = None,
    api_version: str | None = None,
    explicit: bool = True,
) -> list[Finding]:
    """Check one document held in memory; ``name`` defaults to the one ``source`` implies."""
    try:
        root = parse_bytes(data, source=source, blank_text=False)
    except XmlError as err:
        return [_xml_error(source, err)]
    component_name = name or names.component_name(Path(source).name)
    return sort_findings(
        _check_root(
            root,
            data=data,
            source=source,
            name=component_name,
            api_version=api_version,
            explicit=explicit,
        )
    )


def _check_root(
    root: etree._Element,
    *,
    data: bytes,
    source: str,
    name: str,
    api_version: str | None,
    explicit: bool,
) -> list[Finding]:
    kind = kind_of_root(root)
    if kind is None:
        tag = etree.QName(root).localname
        return [
            make(
                "AO002",
                source,
                line_of(root),
                f"<{tag}> is not permission metadata; skipped",
                severity=Severity.ERROR if explicit else Severity.NOTE,
            )
        ]
    checked = schema.check_document(root, api_version=api_version, source=source, data=data)
    findings = list(checked.findings)
    version, _ = schema.resolve(api_version)
    ns = namespace_prefix(root)
    plan = _entry_plan(version, kind, ns, checked.valid)
    if kind is Kind.PERMISSION_SET_GROUP:
        return findings + xml_entry_findings(root, kind=kind, plan=plan, file=source)
    container = scan_container(root, kind=kind, name=name, source=source, valid=checked.valid)
    top = line_of(root) or 1
    findings += [
        f if f.line else dataclasses.replace(f, line=top)
        for f in check_container(container, file=source)
    ]
    findings += model_entry_findings(container, file=source)
    findings += xml_mixed_script_findings(root, name=name, ns=ns, data=data, file=source)
    findings += xml_entry_findings(root, kind=kind, plan=plan, file=source)
    return findings


def _read(path: Path) -> bytes | Finding:
    source = str(path)
    try:
        return read_limited(path, MAX_DOCUMENT_BYTES)
    except OSError as exc:
        return make("AO001", source, 0, f"cannot read: {exc.strerror}", hint="Check the path.")


def validate_paths(
    paths: Sequence[Path],
    *,
    api_version: str | None = None,
    jobs: int = 1,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> list[Finding]:
    """Check files and folders (source or mdapi layout); ``api_version`` overrides detection.

    With ``jobs`` > 1 and at least ``parallel_min_bytes`` of files, that many processes share
    the files; the findings are the same, in the same order.
    """
    versions = VersionFinder(api_version)
    findings: list[Finding] = []
    files: list[FileTask] = []
    for item in discover(paths):
        if isinstance(item, Skipped):
            findings.append(make("AO002", str(item.path), 0, "not permission metadata; skipped"))
            continue
        files.append((item.path, item.explicit, versions.for_file(item.path)))
    chunks = _chunks(files, jobs=jobs, min_bytes=parallel_min_bytes)
    if chunks is None:
        findings += validate_files(files)
    else:
        for chunk_findings in workers.map_in_processes(validate_files, chunks, jobs=jobs):
            findings += chunk_findings
    return sort_findings(findings)


def _chunks(files: list[FileTask], *, jobs: int, min_bytes: int) -> list[list[FileTask]] | None:
    """Return the files in chunks for worker processes, or None when one process is faster."""
    if jobs < 2 or len(files) < 2:
        return None
    sizes = [_size(path) for path, _, _ in files]
    total = sum(sizes)
    if total < min_bytes:
        return None
    chunk = max(min(CHUNK_BYTES, total // (jobs * 4)), 1)
    return workers.chunks_of(files, sizes, chunk_bytes=chunk)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported by the worker that reads it


def validate_files(files: Sequence[FileTask]) -> list[Finding]:
    """Check each ``(path, named by the user, API version)``; the findings in file order."""
    findings: list[Finding] = []
    for path, explicit, api_version in files:
        findings += _validate_file(path, explicit=explicit, api_version=api_version)
    return findings


def _validate_file(path: Path, *, explicit: bool, api_version: str | None) -> list[Finding]:
    source = str(path)
    data = _read(path)
    if isinstance(data, Finding):
        return [data]
    try:
        root = parse_bytes(data, source=source, blank_text=False)
    except XmlError as err:
        return [_xml_error(source, err)]
    return _check_root(
        root,
        data=data,
        source=source,
        name=names.component_name(path.name),
        api_version=api_version,
        explicit=explicit,
    )


def validate_rendered(files: Mapping[str, bytes], *, api_version: str) -> list[Finding]:
    """Schema-check rendered files (``{relative path: bytes}``) that hold permission metadata."""
    findings: list[Finding] = []
    for path, data in sorted(files.items()):
        if not path.endswith(
            tuple(f".{k.suffix}-meta.xml" for k in Kind) + tuple(f".{k.suffix}" for k in Kind)
        ):
            continue
        try:
            root = parse_bytes(data, source=path, blank_text=False)
        except XmlError as err:
            findings.append(_xml_error(path, err))
            continue
        checked = schema.check_document(root, api_version=api_version, source=path, data=data)
        findings += checked.findings
    return sort_findings(findings)
