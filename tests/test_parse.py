"""parse.py: the quick reading of big profiles gives what the general way gives, and booleans."""

from __future__ import annotations

from typing import Any

import pytest

from apionly_deploy.model import parse, xmlread
from apionly_deploy.model.components import Component, PermissionContainer
from apionly_deploy.model.parse import parse_component_bytes

NS = "http://soap.sforce.com/2006/04/metadata"


def _field(name: str, readable: str = "true", editable: str = "false") -> str:
    return (
        f"<fieldPermissions><editable>{editable}</editable><field>{name}</field>"
        f"<readable>{readable}</readable></fieldPermissions>\n"
    )


def _doc(body: str, root: str = "Profile") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'.encode()
    )


def _lines(component: Component) -> list[tuple[str, Any, int]]:
    assert isinstance(component, PermissionContainer)
    out: list[tuple[str, Any, int]] = []
    for attr in ("field_permissions", "user_permissions", "login_ip_ranges", "extras"):
        out += [(attr, entry, entry.line) for entry in getattr(component, attr)]
    return out


def _both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Component, Component]:
    quick = parse_component_bytes(data, name="P")
    with monkeypatch.context() as patched:
        patched.setattr(xmlread, "field_entries", lambda root: None)
        general = parse_component_bytes(data, name="P")
    return quick, general


FIELDS = "".join(
    _field(f"Account.F{i}", *(("true", "1"), ("1", "false"), (" true ", "0"))[i % 3])
    for i in range(9)
)
SHAPES = {
    "one run": "<userLicense>Salesforce</userLicense>\n" + FIELDS,
    "others around": "<custom>true</custom>\n" + FIELDS + "<userLicense>S</userLicense>\n",
    "split run": _field("A.x") + "<custom>true</custom>\n" + _field("A.y"),
    "extra child": FIELDS + "<fieldPermissions><field>A.z</field><readable>true</readable>"
    "<editable>false</editable><hidden>x</hidden></fieldPermissions>\n",
    "missing child": FIELDS + "<fieldPermissions><field>A.z</field><field>A.w</field>"
    "<readable>true</readable></fieldPermissions>\n"
    + "<fieldPermissions><editable>false</editable><readable>true</readable>"
    "<readable>true</readable></fieldPermissions>\n",
    "empty entry": FIELDS + "<fieldPermissions/>\n",
    "field elsewhere": FIELDS + "<custom><field>odd</field></custom>\n",
    "other namespace": '<fieldPermissions xmlns="urn:x"><editable>true</editable><field>B.b</field>'
    "<readable>true</readable></fieldPermissions>\n" + FIELDS,
    "spaces": _field("  A.pad  ", " true ", "\n1\n"),
    "comments": FIELDS.replace("<field>", "<!-- c --><field>", 1),
}


@pytest.mark.parametrize("body", list(SHAPES.values()), ids=list(SHAPES))
def test_quick_field_reading_equals_the_general_way(
    body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same entries, same lines, same extras, whatever the document's shape."""
    quick, general = _both_ways(_doc(body), monkeypatch)
    assert quick == general
    assert _lines(quick) == _lines(general)


def test_quick_reading_is_taken_for_the_usual_shape() -> None:
    """The usual big profile really goes the quick way (else the test above proves nothing)."""
    root = parse.parse_bytes(_doc(SHAPES["others around"]))
    block = xmlread.field_entries(root)
    assert block is not None
    assert [f.field for f in block[0]] == [f"Account.F{i}" for i in range(9)]
    assert [parse.local_name(c) for c in block[1]] == ["custom", "userLicense"]


@pytest.mark.parametrize(
    ("true", "false"),
    [("1", "0"), ("True", "False")],
    ids=["xsd-1-0", "capitalised-as-real-files-say"],
)
def test_booleans_read_as_salesforce_reads_them(true: str, false: str) -> None:
    """xsd:boolean's 1 and 0, and True/False (which Salesforce's reader takes), are booleans."""
    body = (
        f"<userPermissions><enabled>{true}</enabled><name>ApiEnabled</name></userPermissions>\n"
        f"<userPermissions><enabled>{false}</enabled><name>ViewSetup</name></userPermissions>\n"
        + _field("Account.Phone", readable=true, editable=false)
        + f"<custom>{true}</custom>\n"
    )
    profile = parse_component_bytes(_doc(body), name="P")
    assert isinstance(profile, PermissionContainer)
    assert [(u.name, u.enabled) for u in profile.user_permissions] == [
        ("ApiEnabled", True),
        ("ViewSetup", False),
    ]
    field = profile.field_permissions[0]
    assert (field.readable, field.editable) == (True, False)
    assert profile.custom is True


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
