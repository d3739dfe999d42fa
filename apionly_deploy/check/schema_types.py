"""The shape of the permission types, read from one of our XSDs: children, order, cardinality."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from lxml import etree

from apionly_deploy.check.rules import Severity

_XSD = "{http://www.w3.org/2001/XMLSchema}"

BOOLEAN = "xsd:boolean"
STRING = "xsd:string"
BOOLEAN_VALUES = frozenset({"true", "false", "1", "0"})


@dataclass(frozen=True, slots=True)
class ChildDecl:
    """One element a complex type may contain."""

    name: str
    #: ``xsd:boolean``, ``xsd:string`` (or another xsd: type), or a ``tns`` type name.
    type: str
    min: int
    #: None for unbounded.
    max: int | None
    #: Index in the sequence: children must appear in increasing position.
    position: int


@dataclass(frozen=True, slots=True)
class ComplexType:
    name: str
    children: dict[str, ChildDecl] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SchemaTypes:
    version: str
    #: Root element name -> complex type name.
    roots: dict[str, str]
    types: dict[str, ComplexType]
    #: Enumerated simple type name -> allowed values.
    enums: dict[str, tuple[str, ...]]


def _type_name(value: str) -> str:
    return value.split(":", 1)[1] if value.startswith("tns:") else value


def _occurs(value: str | None, default: int | None) -> int | None:
    if value is None:
        return default
    return None if value == "unbounded" else int(value)


def _sequence_of(complex_type: etree._Element) -> tuple[str | None, list[etree._Element]]:
    extension = complex_type.find(f"{_XSD}complexContent/{_XSD}extension")
    if extension is not None:
        base = _type_name(extension.get("base", ""))
        return base, list(extension.iterfind(f"{_XSD}sequence/{_XSD}element"))
    return None, list(complex_type.iterfind(f"{_XSD}sequence/{_XSD}element"))


def _build(name: str, raw: dict[str, etree._Element], done: dict[str, ComplexType]) -> ComplexType:
    if name in done:
        return done[name]
    base, elements = _sequence_of(raw[name])
    children: dict[str, ChildDecl] = {}
    if base and base in raw:
        children.update(_build(base, raw, done).children)
    for element in elements:
        child = element.get("name", "")
        minimum = _occurs(element.get("minOccurs"), 1) or 0
        maximum = _occurs(element.get("maxOccurs"), 1)
        if child in children:
            # MutingPermissionSet repeats ``label`` after PermissionSet's own: allow one more.
            first = children[child]
            more = None if first.max is None or maximum is None else first.max + maximum
            children[child] = ChildDecl(child, first.type, first.min, more, first.position)
            continue
        kind = element.get("type", "xsd:string")
        children[child] = ChildDecl(
            child, _type_name(kind), minimum, maximum, position=len(children)
        )
    done[name] = ComplexType(name, children)
    return done[name]


def parse_types(xsd: etree._Element, *, version: str) -> SchemaTypes:
    """Read an XSD written by ``schemas/_build.py`` into a SchemaTypes."""
    raw = {t.get("name", ""): t for t in xsd.iterfind(f"{_XSD}complexType")}
    done: dict[str, ComplexType] = {}
    types = {name: _build(name, raw, done) for name in raw}
    enums = {
        s.get("name", ""): tuple(e.get("value", "") for e in s.iter(f"{_XSD}enumeration"))
        for s in xsd.iterfind(f"{_XSD}simpleType")
    }
    roots = {
        e.get("name", ""): _type_name(e.get("type", "")) for e in xsd.iterfind(f"{_XSD}element")
    }
    return SchemaTypes(version=version, roots=roots, types=types, enums=enums)


def _descendants(schema: SchemaTypes, type_name: str, seen: frozenset[str]) -> set[str]:
    declared = schema.types.get(type_name)
    if declared is None or type_name in seen:
        return set()
    names = set(declared.children)
    for child in declared.children.values():
        names |= _descendants(schema, child.type, seen | {type_name})
    return names


def unique_children(schema: SchemaTypes, root: str) -> dict[str, str]:
    """Return child name -> entry tag, for every element name that occurs (at any depth) under
    exactly one entry tag of ``root``'s type, and never as an entry itself."""
    owners: dict[str, set[str]] = {}
    for entry in schema.types[schema.roots[root]].children.values():
        owners.setdefault(entry.name, set()).add("")
        for name in _descendants(schema, entry.type, frozenset()):
            owners.setdefault(name, set()).add(entry.name)
    return {name: tags.pop() for name, tags in owners.items() if len(tags) == 1 and "" not in tags}


class Mode(Enum):
    """How sure we are about the API version a file is checked at."""

    STRICT = "strict"  # the version is known and a schema for it is shipped
    NEWER = "newer"  # the file is newer than the newest schema shipped
    UNKNOWN = "unknown"  # nothing says which version the file is for

    def unknown_element_severity(self) -> Severity:
        """Return how an element missing from the schema is reported in this mode."""
        return {
            Mode.STRICT: Severity.ERROR,
            Mode.NEWER: Severity.NOTE,
            Mode.UNKNOWN: Severity.WARNING,
        }[self]
