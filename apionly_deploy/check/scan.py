"""Read just what the semantic rules need from a parsed permission document, quickly.

``parse.parse_component`` builds the whole model, one dataclass per entry; validation of a large
file needs only the header fields and the user, object and login IP entries, so this reads those
and leaves field, class and page entries to ``entry_rules`` (which never builds objects for them).
``field_entries`` is parse.py's quick reader of a big profile's field permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lxml import etree

from apionly_deploy.model.components import (
    FieldPermission,
    Kind,
    LoginIpRange,
    ObjectPermission,
    PermissionContainer,
    UserPermission,
)
from apionly_deploy.model.xmldoc import METADATA_NS, local_name

_TRUE = frozenset({"true", "1"})
_HEADER = {
    "label": "label",
    "description": "description",
    "license": "license",
    "userLicense": "user_license",
}
_FLAGS = {"custom": "custom", "hasActivationRequired": "has_activation_required"}
_LISTED = ("userPermissions", "objectPermissions", "loginIpRanges")
SCANNED_ENTRIES = frozenset(_LISTED)


def line_of(element: etree._Element) -> int:
    """Return an element's source line, 0 when lxml does not know it."""
    line = element.sourceline
    return line if isinstance(line, int) else 0


def namespace_prefix(root: etree._Element) -> str:
    """Return ``{namespace}`` of the root's tag, or ``""`` when it has none."""
    tag = root.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def truth(value: str | None) -> bool:
    """Read an element's text as xsd:boolean (``"true"``, the usual case, needs no strip)."""
    return value == "true" or (value is not None and value.strip() in _TRUE)


def _opt_truth(value: str | None) -> bool | None:
    return None if value is None else truth(value)


def _children(entry: etree._Element, cut: int) -> dict[str, str]:
    return {c.tag[cut:]: (c.text or "") for c in entry if isinstance(c.tag, str)}


def _object(f: dict[str, str], line: int) -> ObjectPermission:
    get = f.get
    return ObjectPermission(
        get("object", "").strip(),
        truth(get("allowRead")),
        truth(get("allowCreate")),
        truth(get("allowEdit")),
        truth(get("allowDelete")),
        truth(get("viewAllRecords")),
        truth(get("modifyAllRecords")),
        _opt_truth(get("viewAllFields")),
        line,
    )


#: A schema-valid objectPermissions with no optional children holds exactly these, in order.
_OBJECT_SEVEN = (
    "allowCreate",
    "allowDelete",
    "allowEdit",
    "allowRead",
    "modifyAllRecords",
    "object",
    "viewAllRecords",
)


def _users(entries: list[etree._Element], cut: int, valid: bool) -> tuple[UserPermission, ...]:
    if not valid:
        return tuple(_user(e, cut) for e in entries)
    # The schema fixes the children of a valid entry: enabled, name.
    names = _stripped_all([e[1].text for e in entries])
    enabled = _truths([e[0].text for e in entries])
    make: Callable[..., UserPermission] = UserPermission
    return tuple(map(make, names, enabled, _lines(entries)))


def _user(entry: etree._Element, cut: int) -> UserPermission:
    f = _children(entry, cut)
    return UserPermission(f.get("name", "").strip(), truth(f.get("enabled")), line_of(entry))


def stripped(text: str | None) -> str:
    """Return an element's text without surrounding whitespace ("" when it has none)."""
    return (text or "").strip()


def _stripped_all(texts: list[Any]) -> list[str]:
    """Return ``stripped`` of each text; without None (the usual case) in one C-level map."""
    return list(map(str.strip, texts)) if None not in texts else list(map(stripped, texts))


def _lines(entries: list[etree._Element]) -> list[Any]:
    """Return each element's source line (0 where lxml does not know it)."""
    lines: list[Any] = [e.sourceline for e in entries]
    return lines if None not in lines else [line_of(e) for e in entries]


def _seven(entry: etree._Element, cut: int) -> bool:
    """Tell whether a valid entry of seven children holds exactly ``_OBJECT_SEVEN``.

    A Profile's flags are all optional, so seven children may include customizeSetup or
    deleteSetup in place of a standard flag. Children follow the schema order; with
    allowRead 4th, modifyAllRecords 5th and viewAllRecords 7th, the first three can only be
    allowCreate, allowDelete, allowEdit and the 6th only the required object.
    """
    return (
        entry[3].tag[cut:] == "allowRead"
        and entry[4].tag[cut:] == "modifyAllRecords"
        and entry[6].tag[cut:] == "viewAllRecords"
    )


def _object_entry(entry: etree._Element, cut: int, valid: bool, required: bool) -> ObjectPermission:
    """Read one objectPermissions; ``required``: the schema requires the seven usual flags
    (a permission set's entries), so a valid entry of seven children holds exactly those."""
    line = line_of(entry)
    if valid and len(entry) == len(_OBJECT_SEVEN) and (required or _seven(entry, cut)):
        c, d, e, r, m, o, v = [child.text for child in entry]
        return ObjectPermission(
            (o or "").strip(),
            r == "true" or (r != "false" and truth(r)),
            c == "true" or (c != "false" and truth(c)),
            e == "true" or (e != "false" and truth(e)),
            d == "true" or (d != "false" and truth(d)),
            v == "true" or (v != "false" and truth(v)),
            m == "true" or (m != "false" and truth(m)),
            None,
            line,
        )
    return _object(_children(entry, cut), line)


def _ip_range(entry: etree._Element, cut: int) -> LoginIpRange:
    f = _children(entry, cut)
    return LoginIpRange(
        start=f.get("startAddress", "").strip(),
        end=f.get("endAddress", "").strip(),
        description=f.get("description"),
        line=line_of(entry),
    )


@lru_cache(maxsize=8)
def _tags(ns: str) -> tuple[str, str, str, tuple[str, ...]]:
    header = tuple(ns + t for t in (*_HEADER, *_FLAGS, "fullName"))
    return ns + "userPermissions", ns + "objectPermissions", ns + "loginIpRanges", header


def scan_container(
    root: etree._Element,
    *,
    kind: Kind,
    name: str,
    source: str,
    valid: bool = False,
) -> PermissionContainer:
    """Return a container holding header fields and user, object and login IP entries only.

    Each kind is read with a C-level ``iterchildren(tag)``; ``valid`` (libxml2 accepted the
    document) lets fixed-shape entries be read by position.
    """
    ns = namespace_prefix(root)
    cut = len(ns)
    users_tag, objects_tag, ranges_tag, header = _tags(ns)
    required = kind is not Kind.PROFILE  # PermissionSetObjectPermissions, every API version
    values: dict[str, object] = {}
    for child in root.iterchildren(*header):
        tag = child.tag[cut:]
        if tag == "fullName":
            name = (child.text or "").strip() or name
        elif tag in _HEADER:
            values.setdefault(_HEADER[tag], (child.text or "").strip())
        else:
            values[_FLAGS[tag]] = truth(child.text)
    return PermissionContainer(
        kind=kind,
        name=name,
        user_permissions=_users(list(root.iterchildren(users_tag)), cut, valid),
        object_permissions=tuple(
            _object_entry(e, cut, valid, required) for e in root.iterchildren(objects_tag)
        ),
        login_ip_ranges=tuple(_ip_range(e, cut) for e in root.iterchildren(ranges_tag)),
        source=source,
        **values,  # type: ignore[arg-type]
    )


# -- fieldPermissions of a big profile, read by tag (parse.py) ------------------------------

_Q_FIELD_PERMISSIONS = f"{{{METADATA_NS}}}fieldPermissions"
_Q_FIELD = f"{{{METADATA_NS}}}field"
_Q_READABLE = f"{{{METADATA_NS}}}readable"
_Q_EDITABLE = f"{{{METADATA_NS}}}editable"
_getparent = etree._Element.getparent
_PLAIN_BOOLS = frozenset({"true", "false", "1", "0"})


def _texts(root: etree._Element, tag: str) -> list[Any]:
    return [e.text for e in root.iter(tag)]


def _truths(texts: list[Any]) -> list[bool]:
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
    fields = _stripped_all(_texts(root, _Q_FIELD))
    readable = _truths(_texts(root, _Q_READABLE))
    editable = _truths(_texts(root, _Q_EDITABLE))
    make: Callable[..., FieldPermission] = FieldPermission
    built = list(map(make, fields, readable, editable, _lines(entries)))
    return built, others
