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

from apionly_deploy.check import schema
from apionly_deploy.check.discover import Skipped, Target, VersionFinder, discover
from apionly_deploy.check.entry_rules import ENTRY_KEYS, model_entry_findings
from apionly_deploy.check.entry_xml import EntryPlan, entry_plan, xml_entry_findings
from apionly_deploy.check.rules import RULES, Finding, Rule, Severity, make, worst
from apionly_deploy.check.scan import SCANNED_ENTRIES, scan_container
from apionly_deploy.check.schema_types import unique_children
from apionly_deploy.check.semantic import check_container
from apionly_deploy.errors import XmlError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model import names
from apionly_deploy.model.components import Component, Kind, PermissionContainer
from apionly_deploy.model.parse import kind_of_root
from apionly_deploy.model.xmldoc import MAX_DOCUMENT_BYTES, parse_bytes
from apionly_deploy.model.xmlread import line_of, namespace_prefix

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "at_or_above",
    "sort_findings",
    "validate_bytes",
    "validate_components",
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
    findings += xml_entry_findings(root, kind=kind, plan=plan, file=source)
    return findings


def _read(path: Path) -> bytes | Finding:
    source = str(path)
    try:
        return read_limited(path, MAX_DOCUMENT_BYTES)
    except OSError as exc:
        return make("AO001", source, 0, f"cannot read: {exc.strerror}", hint="Check the path.")


def validate_paths(paths: Sequence[Path], *, api_version: str | None = None) -> list[Finding]:
    """Check files and folders (source or mdapi layout); ``api_version`` overrides detection."""
    versions = VersionFinder(api_version)
    findings: list[Finding] = []
    for item in discover(paths):
        if isinstance(item, Skipped):
            findings.append(make("AO002", str(item.path), 0, "not permission metadata; skipped"))
            continue
        findings += _validate_target(item, versions)
    return sort_findings(findings)


def _validate_target(target: Target, versions: VersionFinder) -> list[Finding]:
    source = str(target.path)
    data = _read(target.path)
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
        name=names.component_name(target.path.name),
        api_version=versions.for_file(target.path),
        explicit=target.explicit,
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
