"""Look-alike names: an identifier that mixes Latin letters with Cyrillic or Greek ones.

``\u0410ccount`` (a Cyrillic A first) reads as ``Account`` in review but is another name; Salesforce
API names are Latin, and a profile name that mixes scripts is most likely a trap.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache

from lxml import etree

from apionly_deploy.check.rules import Finding, make
from apionly_deploy.model.components import Component, PermissionContainer
from apionly_deploy.model.xmlread import line_of

_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


@cache
def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    return next((s for s in _SCRIPTS if name.startswith(s + " ")), None)


def mixed_scripts(name: str) -> tuple[str, ...]:
    """Return the scripts a name's letters mix when Latin is mixed with Cyrillic or Greek."""
    if name.isascii():
        return ()
    found = sorted({s for ch in name if ch.isalpha() and (s := _script(ch)) is not None})
    return tuple(found) if len(found) > 1 and "LATIN" in found else ()


def _finding(what: str, name: str, file: str, line: int) -> Iterator[Finding]:
    scripts = mixed_scripts(name)
    if scripts:
        shown = " and ".join(s.title() for s in scripts)
        message = f"{what} {name!r} mixes {shown} letters ({name!a})"
        yield make("AO403", file, line, message)


def mixed_script_findings(component: Component, *, file: str) -> list[Finding]:
    """Return AO403 for the component's name and, in a container, its object and field names."""
    findings = list(_finding("name", component.name, file, 0))
    if isinstance(component, PermissionContainer):
        for entry in component.object_permissions:
            findings += _finding("object", entry.object, file, entry.line)
        for field in component.field_permissions:
            findings += _finding("field", field.field, file, field.line)
    return findings


def xml_mixed_script_findings(
    root: etree._Element, *, name: str, ns: str, data: bytes, file: str
) -> list[Finding]:
    """Return AO403 for a document's component name and its object and field names (a
    document all in ASCII, which is nearly every one, is not walked)."""
    findings = list(_finding("name", name, file, 0))
    if data.isascii():
        return findings
    for what, path in (
        ("object", "objectPermissions/{ns}object"),
        ("field", "fieldPermissions/{ns}field"),
    ):
        for element in root.iterfind(ns + path.format(ns=ns)):
            findings += _finding(what, element.text or "", file, line_of(element))
    return findings
