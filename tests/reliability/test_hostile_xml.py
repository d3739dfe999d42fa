"""Hostile XML never reaches the file system or the network, and never hangs the parser."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from apionly_deploy.errors import XmlError
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.model.xmldoc import MAX_DOCUMENT_BYTES, parse_bytes, parse_file

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def test_external_entity_is_refused(tmp_path: Path) -> None:
    """An XXE payload naming a local file is refused before anything is read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<PermissionSet {NS}><label>&x;</label></PermissionSet>"
    ).encode()
    with pytest.raises(XmlError, match="DOCTYPE declarations are not allowed") as caught:
        parse_bytes(doc, source="evil.xml")
    assert "TOP-SECRET" not in str(caught.value)


def test_billion_laughs_is_refused_quickly() -> None:
    """Entity expansion bombs fail fast instead of eating memory."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    doc = f'<?xml version="1.0"?><!DOCTYPE r [{entities}]><r>&a9;</r>'.encode()
    started = time.monotonic()
    with pytest.raises(XmlError):
        parse_bytes(doc, source="bomb.xml")
    assert time.monotonic() - started < 5


def test_network_dtd_is_never_fetched() -> None:
    """A DOCTYPE pointing at a URL is refused without a network call."""
    doc = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://203.0.113.1/evil.dtd"><r/>'
    with pytest.raises(XmlError, match="DOCTYPE"):
        parse_bytes(doc, source="net.xml")


def test_invalid_utf8_is_a_located_error() -> None:
    """Bytes that are not UTF-8 give file:line:col, not a traceback."""
    doc = f'<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet {NS}><label>\xff\xfe</label></PermissionSet>'
    with pytest.raises(XmlError, match=r"^bad\.xml:2:\d+: malformed XML"):
        parse_bytes(doc.encode("latin-1"), source="bad.xml")


def test_malformed_xml_names_line_and_column() -> None:
    """Unclosed tags are reported with their position."""
    with pytest.raises(XmlError, match=r"^x\.xml:3:\d+: malformed XML"):
        parse_bytes(b"<a>\n<b>\n</a>", source="x.xml")


def test_huge_attribute_values_are_parsed_without_hanging() -> None:
    """A 5 MB attribute is bounded work; the document is not a permission type."""
    doc = f'<PermissionSet {NS} junk="{"A" * 5_000_000}"><label>x</label></PermissionSet>'.encode()
    component = parse_component_bytes(doc, name="Big")
    assert component.label == "x"


def test_oversized_files_are_refused_before_reading(tmp_path: Path) -> None:
    """Files over the size bound are refused by size, never loaded."""
    big = tmp_path / "big.permissionset"
    with big.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(XmlError, match=r"over the .*-byte limit"):
        parse_file(big)


def test_non_permission_root_is_named() -> None:
    """A well-formed file of another type says what it is."""
    with pytest.raises(XmlError, match=r"<CustomObject> is not a Profile"):
        parse_component_bytes(f"<CustomObject {NS}/>".encode(), name="X", source="o.xml")
