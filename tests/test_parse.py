"""parse.py: XML errors carry their position."""

from __future__ import annotations

import pytest

from apionly_deploy import parse
from apionly_deploy.parse import parse_component_bytes


def test_xml_errors_carry_line_and_column_beside_the_same_message() -> None:
    """The message keeps ``source:line:column: problem``; the parts are attributes too."""
    from apionly_deploy.errors import XmlError

    with pytest.raises(XmlError) as caught:
        parse.parse_bytes(b"<a>\n  <b>\n</a>", source="x.xml")
    err = caught.value
    assert err.line == 3 and err.column > 0
    assert str(err) == f"x.xml:3:{err.column}: {err.problem}"
    assert err.problem.startswith("malformed XML: ")
    with pytest.raises(XmlError) as caught:
        parse_component_bytes(b"<x:Other xmlns:x='urn:o'/>", name="o", source="o.xml")
    assert (caught.value.line, caught.value.column) == (1, 1)
    assert str(caught.value) == "o.xml:1:1: " + caught.value.problem
