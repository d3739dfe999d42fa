"""Check permission XML against the Metadata API schema of its API version.

``schemas/`` holds one XSD per distinct schema (``versions.json`` maps every API version to
its file), cut from Salesforce's Metadata WSDLs. A valid document costs one libxml2 pass; an
invalid one is walked in Python against the same XSD to report every problem in plain words,
with unknown elements graded by how sure we are that Salesforce rejects them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

from lxml import etree

from apionly_deploy.check.rules import Finding, make
from apionly_deploy.check.schema_types import Mode, SchemaTypes, parse_types
from apionly_deploy.check.schema_walk import walk_document
from apionly_deploy.model.xmldoc import METADATA_NS, parse_bytes
from apionly_deploy.model.xsd import compile_schema

__all__ = [
    "Mode",
    "SchemaCheck",
    "check_document",
    "newest_version",
    "normalize_version",
    "resolve",
    "schema_versions",
]


@dataclass(frozen=True, slots=True)
class SchemaCheck:
    findings: list[Finding]
    #: True when libxml2 accepted the document as it is (no unknown or misplaced elements),
    #: so later passes may rely on the structure the schema guarantees.
    valid: bool


def _schema_dir() -> resources.abc.Traversable:
    return resources.files("apionly_deploy").joinpath("schemas")


@cache
def _version_index() -> dict[str, str]:
    raw = json.loads(_schema_dir().joinpath("versions.json").read_text(encoding="utf-8"))
    index: dict[str, str] = raw["versions"]
    return index


def _key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def normalize_version(version: str | None) -> str | None:
    """Return ``version`` as ``NN.N`` (``"62"`` -> ``"62.0"``), or None when it is not one."""
    if version is None:
        return None
    text = version.strip()
    major, _, minor = text.partition(".")
    if not major.isdigit() or (minor and not minor.isdigit()):
        return None
    return f"{int(major)}.{int(minor or 0)}"


@cache
def schema_versions() -> tuple[str, ...]:
    """Return the API versions a schema is shipped for, oldest first."""
    return tuple(sorted(_version_index(), key=_key))


def newest_version() -> str:
    """Return the newest API version a schema is shipped for."""
    return schema_versions()[-1]


@cache
def resolve(api_version: str | None) -> tuple[str, Mode]:
    """Return the schema version to check a file of ``api_version`` against, and the mode."""
    version = normalize_version(api_version)
    versions = schema_versions()
    if version is None:
        return versions[-1], Mode.UNKNOWN
    if _key(version) > _key(versions[-1]):
        return versions[-1], Mode.NEWER
    if version in _version_index():
        return version, Mode.STRICT
    older = [v for v in versions if _key(v) <= _key(version)]
    return (older[-1] if older else versions[0]), Mode.STRICT


@cache
def _xsd_bytes(file_name: str) -> bytes:
    return _schema_dir().joinpath(file_name).read_bytes()


@cache
def types_for(version: str) -> SchemaTypes:
    """Return the parsed type map of the schema for ``version`` (a shipped version)."""
    file_name = _version_index()[version]
    return parse_types(parse_bytes(_xsd_bytes(file_name), source=file_name), version=version)


_local = threading.local()


def _validator(version: str) -> etree.XMLSchema:
    """Return this thread's compiled XSD for ``version`` (validators keep per-call state)."""
    file_name = _version_index()[version]
    cached: dict[str, etree.XMLSchema] = _local.__dict__.setdefault("validators", {})
    validator = cached.get(file_name)
    if validator is None:
        validator = compile_schema(_xsd_bytes(file_name), source=file_name)
        cached[file_name] = validator
    return validator


def element_since(type_name: str, element: str) -> str | None:
    """Return the first shipped API version whose ``type_name`` declares ``element``."""
    for version in schema_versions():
        declared = types_for(version).types.get(type_name)
        if declared is not None and element in declared.children:
            return version
    return None


def check_document(
    root: etree._Element, *, api_version: str | None, source: str, data: bytes | None = None
) -> SchemaCheck:
    """Check a parsed permission document; ``data`` (the raw bytes) lets findings get columns."""
    version, mode = resolve(api_version)
    validator = _validator(version)
    if validator.validate(root):
        return SchemaCheck([], valid=True)
    findings = walk_document(
        root, types=types_for(version), mode=mode, source=source, data=data, since=element_since
    )
    if not findings:
        findings = [_libxml2_finding(validator, source)]
    return SchemaCheck(findings, valid=False)


def _libxml2_finding(validator: etree.XMLSchema, source: str) -> Finding:
    """Report libxml2's first complaint when the Python walk found nothing to say."""
    entry: Any = cast(Any, validator.error_log)[0]
    message = str(entry.message).replace(f"{{{METADATA_NS}}}", "")
    return make("AO004", source, int(entry.line), message)
