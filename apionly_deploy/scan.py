"""Read just what the semantic rules need from a parsed permission document, quickly.

``parse.parse_component`` builds the whole model, one dataclass per entry; validation of a large
file needs only the header fields and the user, object and login IP entries, so this reads those
and leaves field, class and page entries to ``entry_rules`` (which never builds objects for them).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from apionly_deploy.model import (
    Kind,
    LoginIpRange,
    ObjectPermission,
    PermissionContainer,
    UserPermission,
)

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


def _truth(value: str | None) -> bool:
    return value == "true" or (value is not None and value.strip() in _TRUE)


def _opt_truth(value: str | None) -> bool | None:
    return None if value is None else _truth(value)


def _children(entry: etree._Element, cut: int) -> dict[str, str]:
    return {c.tag[cut:]: (c.text or "") for c in entry if isinstance(c.tag, str)}


def _object(f: dict[str, str], line: int) -> ObjectPermission:
    get = f.get
    return ObjectPermission(
        get("object", "").strip(),
        _truth(get("allowRead")),
        _truth(get("allowCreate")),
        _truth(get("allowEdit")),
        _truth(get("allowDelete")),
        _truth(get("viewAllRecords")),
        _truth(get("modifyAllRecords")),
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


def _user(entry: etree._Element, cut: int, valid: bool) -> UserPermission:
    line = line_of(entry)
    if valid:  # the schema fixes the children: enabled, name
        return UserPermission((entry[1].text or "").strip(), _truth(entry[0].text), line)
    f = _children(entry, cut)
    return UserPermission(f.get("name", "").strip(), _truth(f.get("enabled")), line)


def _object_entry(entry: etree._Element, cut: int, valid: bool) -> ObjectPermission:
    line = line_of(entry)
    if valid and len(entry) == len(_OBJECT_SEVEN):
        # allowCreate, allowDelete, allowEdit, allowRead, modifyAllRecords, object, viewAllRecords
        c, d, e, r, m, o, v = (child.text for child in entry)
        return ObjectPermission(
            (o or "").strip(),
            r == "true" or _truth(r),
            c == "true" or _truth(c),
            e == "true" or _truth(e),
            d == "true" or _truth(d),
            v == "true" or _truth(v),
            m == "true" or _truth(m),
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


@dataclass(frozen=True, slots=True)
class Scan:
    """What one pass over a document's top-level elements found."""

    container: PermissionContainer
    #: The qualified tags of every top-level element, so later passes skip absent entry kinds.
    present: frozenset[str]


def scan_container(
    root: etree._Element, *, kind: Kind, name: str, source: str, valid: bool = False
) -> Scan:
    """Read header fields and user, object and login IP entries in one pass over the root's
    children, noting which tags occur. ``valid`` (libxml2 accepted the document) lets
    fixed-shape entries be read by position."""
    ns = namespace_prefix(root)
    cut = len(ns)
    users: list[UserPermission] = []
    objects: list[ObjectPermission] = []
    ranges: list[LoginIpRange] = []
    values: dict[str, object] = {}
    present: set[str] = set()
    for child in root:
        qualified = child.tag
        if not isinstance(qualified, str):
            continue
        present.add(qualified)
        tag = qualified[cut:]
        if tag == "userPermissions":
            users.append(_user(child, cut, valid))
        elif tag == "objectPermissions":
            objects.append(_object_entry(child, cut, valid))
        elif tag == "loginIpRanges":
            ranges.append(_ip_range(child, cut))
        elif tag in _HEADER:
            values.setdefault(_HEADER[tag], (child.text or "").strip())
        elif tag in _FLAGS:
            values[_FLAGS[tag]] = _truth(child.text)
        elif tag == "fullName":
            name = (child.text or "").strip() or name
    container = PermissionContainer(
        kind=kind,
        name=name,
        user_permissions=tuple(users),
        object_permissions=tuple(objects),
        login_ip_ranges=tuple(ranges),
        source=source,
        **values,  # type: ignore[arg-type]
    )
    return Scan(container, frozenset(present))


def present_tags(root: etree._Element) -> frozenset[str]:
    """Return the qualified tags of the root's element children."""
    return frozenset(c.tag for c in root if isinstance(c.tag, str))
