"""The one hardened XML parser every module uses.

Entities are never resolved, no DTD is loaded, nothing is fetched from the network, and a
document that declares a DOCTYPE is refused outright: Salesforce metadata never has one.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lxml import etree

from apionly_deploy.errors import XmlError
from apionly_deploy.fileio import read_limited

METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: Files larger than this are refused before parsing (the Metadata API caps a whole deploy at
#: about 600 MB uncompressed; no single permission file comes near 100 MB).
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024

_local = threading.local()


def _parser(blank_text: bool = True) -> etree.XMLParser:
    """Return this thread's hardened parser (lxml parsers must not be shared across threads).

    Without ``blank_text``, whitespace-only text between elements is dropped: validation has
    no use for indentation, and a tree without it is built, checked and walked in about
    three quarters of the time.
    """
    name = "parser" if blank_text else "parser_no_blanks"
    parser: etree.XMLParser | None = getattr(_local, name, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=not blank_text,
        )
        setattr(_local, name, parser)
    return parser


def parse_bytes(data: bytes, *, source: str = "<input>", blank_text: bool = True) -> etree._Element:
    """Parse ``data`` safely and return the root element; raise XmlError naming ``source``.

    ``blank_text=False`` drops whitespace-only text between elements (see ``_parser``).
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        problem = f"file is {len(data):,} bytes, over the {MAX_DOCUMENT_BYTES:,}-byte limit"
        raise XmlError.at(source, problem)
    try:
        root = etree.fromstring(data, parser=_parser(blank_text))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        problem = "malformed XML: " + str(exc.msg).split(", line ")[0]
        raise XmlError.at(source, problem, line=line, column=column) from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype:
        problem = "DOCTYPE declarations are not allowed in metadata; remove it"
        raise XmlError.at(source, problem, line=1, column=1)
    return root


def parse_file(path: Path) -> etree._Element:
    """Parse the XML file at ``path`` safely."""
    try:
        data = read_limited(path, MAX_DOCUMENT_BYTES)
    except OSError as exc:
        problem = f"cannot read: {exc.strerror}"
        raise XmlError.at(str(path), problem) from None
    return parse_bytes(data, source=str(path))


def local_name(element: etree._Element) -> str:
    """Return an element's tag without its namespace."""
    tag = element.tag
    if isinstance(tag, str):  # string slicing: QName() costs a third of parsing a big profile
        return tag.rpartition("}")[2]
    return etree.QName(element).localname


def escape_text(value: str) -> str:
    """Escape text the way Salesforce writes it in retrieved metadata."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )
