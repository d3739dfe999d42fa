"""Walk a document that failed XSD validation and say, in plain words, everything that is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from apionly_deploy.check.rules import Finding, Severity, make
from apionly_deploy.check.schema_types import (
    BOOLEAN,
    BOOLEAN_VALUES,
    ChildDecl,
    ComplexType,
    Mode,
    SchemaTypes,
)
from apionly_deploy.model.xmldoc import METADATA_NS
from apionly_deploy.model.xmlread import line_of

Since = Callable[[str, str], "str | None"]


@dataclass
class _Walk:
    types: SchemaTypes
    mode: Mode
    source: str
    data: bytes | None
    since: Since
    namespace: str | None
    findings: list[Finding] = field(default_factory=list)
    _lines: list[bytes] | None = None

    def column(self, line: int, tag: str) -> int:
        """Return the 1-based column of ``<tag`` on ``line`` of the raw file, or 0."""
        if self.data is None or line <= 0:
            return 0
        if self._lines is None:
            self._lines = self.data.split(b"\n")
        if line > len(self._lines):
            return 0
        text = self._lines[line - 1]
        at = text.find(b"<" + tag.encode())
        if at < 0:
            at = text.find(b":" + tag.encode())
        return at + 1 if at >= 0 else 0

    def add(
        self,
        rule: str,
        element: etree._Element,
        message: str,
        *,
        severity: Severity | None = None,
        hint: str | None = None,
    ) -> None:
        line = line_of(element)
        column = self.column(line, etree.QName(element).localname)
        finding = make(
            rule, self.source, line, message, column=column, severity=severity, hint=hint
        )
        self.findings.append(finding)


def walk_document(
    root: etree._Element,
    *,
    types: SchemaTypes,
    mode: Mode,
    source: str,
    data: bytes | None,
    since: Since,
) -> list[Finding]:
    """Return every schema finding for ``root`` checked against ``types``."""
    qname = etree.QName(root)
    walk = _Walk(types, mode, source, data, since, qname.namespace)
    if qname.namespace != METADATA_NS:
        walk.add(
            "AO004",
            root,
            f"<{qname.localname}> is not in the metadata namespace {METADATA_NS}",
            hint=f'Declare it: <{qname.localname} xmlns="{METADATA_NS}">.',
        )
    type_name = types.roots.get(qname.localname)
    if type_name is not None:
        _complex(walk, root, types.types[type_name])
    return walk.findings


def _local(walk: _Walk, element: etree._Element) -> str | None:
    qname = etree.QName(element)
    return qname.localname if qname.namespace == walk.namespace else None


def _complex(walk: _Walk, element: etree._Element, declared: ComplexType) -> None:
    parent = etree.QName(element).localname
    if element.text and element.text.strip():
        walk.add("AO004", element, f"<{parent}> holds text; it may only hold elements")
    counts: dict[str, int] = {}
    furthest = -1
    order_reported = False
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(walk, child)
        decl = declared.children.get(name) if name else None
        if decl is None:
            _unknown(walk, child, declared, parent)
            continue
        if child.tail and child.tail.strip():
            walk.add("AO004", child, f"text after <{name}> in <{parent}>")
        counts[decl.name] = counts.get(decl.name, 0) + 1
        if decl.position < furthest and not order_reported:
            walk.add("AO005", child, f"<{decl.name}> is out of the schema's order in <{parent}>")
            order_reported = True
        furthest = max(furthest, decl.position)
        if decl.max is not None and counts[decl.name] == decl.max + 1:
            walk.add(
                "AO004", child, f"<{decl.name}> may appear at most {decl.max} time(s) in <{parent}>"
            )
        _value(walk, child, decl)
    for decl in declared.children.values():
        if counts.get(decl.name, 0) < decl.min:
            # A missing object flag reads as false: orgs accepted such files for years.
            flag = parent == "objectPermissions" and decl.type == BOOLEAN
            walk.add(
                "AO004",
                element,
                f"<{parent}> lacks the required <{decl.name}>",
                severity=Severity.WARNING if flag else None,
            )


def _value(walk: _Walk, element: etree._Element, decl: ChildDecl) -> None:
    nested = walk.types.types.get(decl.type)
    if nested is not None:
        _complex(walk, element, nested)
        return
    if len(element):
        walk.add("AO004", element, f"<{decl.name}> must hold text, not elements")
        return
    value = (element.text or "").strip()
    if decl.type == BOOLEAN and value not in BOOLEAN_VALUES:
        if value.lower() in BOOLEAN_VALUES:  # True/FALSE: Salesforce's reader takes them
            walk.add("AO006", element, f"<{decl.name}> is {value!r}; write {value.lower()!r}")
        else:
            walk.add("AO004", element, f"<{decl.name}> is {value!r}; it must be true or false")
    allowed = walk.types.enums.get(decl.type)
    if allowed is not None and value not in allowed:
        walk.add(
            "AO004",
            element,
            f"<{decl.name}> is {value!r}; it must be one of {', '.join(allowed)}",
        )


def _unknown(walk: _Walk, child: etree._Element, declared: ComplexType, parent: str) -> None:
    qname = etree.QName(child)
    name = qname.localname
    severity = walk.mode.unknown_element_severity()
    version = walk.types.version
    if qname.namespace != walk.namespace:
        message = f"<{name}> in namespace {qname.namespace} is not allowed in <{parent}>"
        walk.add("AO003", child, message, severity=max(severity, Severity.WARNING, key=_rank))
        return
    message = f"<{name}> is not in the Metadata API {version} schema of <{parent}>"
    if (parent, name) == ("fieldPermissions", "hidden"):  # field permissions before API 23.0
        hint = "A legacy element: Salesforce ignores it; remove it."
        walk.add("AO003", child, message, severity=Severity.NOTE, hint=hint)
        return
    first = walk.since(declared.name, name)
    if first is not None and _newer(first, version):
        hint = f"<{name}> exists from API {first} on: raise the API version or remove it."
    else:
        close = difflib.get_close_matches(name, list(declared.children), n=1, cutoff=0.75)
        hint = f"Did you mean <{close[0]}>?" if close else _mode_hint(walk, version)
    walk.add("AO003", child, message, severity=severity, hint=hint)


def _mode_hint(walk: _Walk, version: str) -> str:
    mode = walk.mode.value
    if mode == "newer":
        return f"The file is newer than API {version}, the newest schema this tool knows."
    if mode == "unknown":
        return (
            f"The file's API version is unknown; checked against {version}, the newest schema "
            "this tool knows. Pass --api-version or add sfdx-project.json / package.xml."
        )
    return "Remove the element or fix its spelling."


def _newer(version: str, than: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(part) for part in v.split("."))

    return key(version) > key(than)


def _rank(severity: Severity) -> int:
    return severity.rank
