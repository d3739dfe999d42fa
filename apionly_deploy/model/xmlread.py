"""Quick readers of permission XML shared by the parser and the checks: xsd:boolean text,
stripped text, source lines, and a big profile's ``fieldPermissions`` read by tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from apionly_deploy.model.components import FieldPermission
from apionly_deploy.model.xmldoc import METADATA_NS, local_name

#: xsd:boolean's true literals; ``truth`` also reads ``True``, as Salesforce does.
_TRUE = frozenset({"true", "1"})


def line_of(element: etree._Element) -> int:
    """Return an element's source line, 0 when lxml does not know it."""
    line = element.sourceline
    return line if isinstance(line, int) else 0


def namespace_prefix(root: etree._Element) -> str:
    """Return ``{namespace}`` of the root's tag, or ``""`` when it has none."""
    tag = root.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def opt_truth(value: str | None) -> bool | None:
    """Return ``truth`` of an optional element's text (None when the element is absent)."""
    return None if value is None else truth(value)


def truth(value: str | None) -> bool:
    """Read an element's text as a boolean: xsd:boolean (``true``/``1``, padded or not) or a
    capitalised ``True``, which Salesforce's reader accepts. The one boolean reader of the
    parser and the checks; ``"true"``, the usual case, needs no strip."""
    return value == "true" or (value is not None and value.strip().lower() in _TRUE)


def stripped(text: str | None) -> str:
    """Return an element's text without surrounding whitespace ("" when it has none)."""
    return (text or "").strip()


def stripped_all(texts: list[Any]) -> list[str]:
    """Return ``stripped`` of each text; without None (the usual case) in one C-level map."""
    return list(map(str.strip, texts)) if None not in texts else list(map(stripped, texts))


def lines(entries: list[etree._Element]) -> list[Any]:
    """Return each element's source line (0 where lxml does not know it)."""
    lines: list[Any] = [e.sourceline for e in entries]
    return lines if None not in lines else [line_of(e) for e in entries]


# -- fieldPermissions of a big profile, read by tag (the parser) ------------------------------

_Q_FIELD_PERMISSIONS = f"{{{METADATA_NS}}}fieldPermissions"
_Q_FIELD = f"{{{METADATA_NS}}}field"
_Q_READABLE = f"{{{METADATA_NS}}}readable"
_Q_EDITABLE = f"{{{METADATA_NS}}}editable"
_getparent = etree._Element.getparent
_PLAIN_BOOLS = frozenset({"true", "false", "1", "0"})  # read with a set lookup alone


def is_boolean(value: str | None) -> bool:
    """Tell whether an element's text is a boolean as ``truth`` reads them (``True`` too)."""
    return value is not None and value.strip().lower() in _PLAIN_BOOLS


def canonical_boolean(value: str) -> str:
    """Return ``true``/``false`` for a boolean text, any other text as it is."""
    return ("true" if truth(value) else "false") if is_boolean(value) else value


def _texts(root: etree._Element, tag: str) -> list[Any]:
    return [e.text for e in root.iter(tag)]


def truths(texts: list[Any]) -> list[bool]:
    """Return ``truth`` of each text; plain literals (the usual case) in one C-level map."""
    if _PLAIN_BOOLS.issuperset(texts):
        return list(map(_TRUE.__contains__, texts))
    return list(map(truth, texts))


def field_entries(
    root: etree._Element,
) -> tuple[list[FieldPermission], list[etree._Element]] | None:
    """Read a big profile's ``fieldPermissions`` without a Python step per child element.

    Applies when the entries (metadata namespace) form one run of siblings and each holds
    exactly one ``field``, ``readable`` and ``editable`` and nothing else, and no such element
    occurs outside them: then the document-order lists of each child tag line up with the
    entries. Returns the entries and the root's other children, or None (the general way).
    """
    entries = list(root.iterchildren(_Q_FIELD_PERMISSIONS))
    if not entries:
        return None
    for tag in (_Q_FIELD, _Q_READABLE, _Q_EDITABLE):  # each one's parent, in document order
        if list(map(_getparent, root.iter(tag))) != entries:
            return None
    if set(map(len, entries)) != {3}:  # comments count too: they take the general way
        return None
    before = list(entries[0].itersiblings(preceding=True))
    after = list(entries[-1].itersiblings())
    if len(before) + len(entries) + len(after) != len(root):  # not one run
        return None
    others = [c for c in reversed(before) if isinstance(c.tag, str)]
    others += [c for c in after if isinstance(c.tag, str)]
    if any(local_name(c) == "fieldPermissions" for c in others):  # other namespace: keep order
        return None
    fields = stripped_all(_texts(root, _Q_FIELD))
    readable = truths(_texts(root, _Q_READABLE))
    editable = truths(_texts(root, _Q_EDITABLE))
    make: Callable[..., FieldPermission] = FieldPermission
    built = list(map(make, fields, readable, editable, lines(entries)))
    return built, others
