"""Compile XML schemas safely from any thread.

libxml2's schema compiler is not thread-safe: two threads compiling at once can fail with
"Document is not valid XML Schema" (seen in the local org under concurrent first deploys).
Compilation is serialised here; each thread still keeps its own compiled copy, since a compiled
schema holds per-validation state.
"""

from __future__ import annotations

import threading

from lxml import etree

from apionly_deploy.model.xmldoc import parse_bytes

_compile_lock = threading.Lock()


def compile_schema(data: bytes, *, source: str) -> etree.XMLSchema:
    """Parse and compile the XSD in ``data`` (named ``source`` in errors)."""
    document = parse_bytes(data, source=source)
    with _compile_lock:
        return etree.XMLSchema(document)
