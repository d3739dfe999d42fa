"""Read just what the semantic rules need from a parsed permission document, quickly.

``parse.parse_component`` builds the whole model, one dataclass per entry; validation of a large
file needs only the header fields and the user, object and login IP entries, so this reads those
and leaves field, class and page entries to ``entry_rules`` (which never builds objects for them).
The quick readers the parser shares (``truth``, ``field_entries``) live in ``model.xmlread``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from lxml import etree

from apionly_deploy.model.components import (
    Kind,
    LoginIpRange,
    ObjectPermission,
    PermissionContainer,
    UserPermission,
)
from apionly_deploy.model.parse import object_permission
from apionly_deploy.model.xmlread import (
    line_of,
    lines,
    namespace_prefix,
    stripped_all,
    truth,
    truths,
)

_HEADER = {
    "label": "label",
    "description": "description",
    "license": "license",
    "userLicense": "user_license",
}
_FLAGS = {"custom": "custom", "hasActivationRequired": "has_activation_required"}
_LISTED = ("userPermissions", "objectPermissions", "loginIpRanges")
SCANNED_ENTRIES = frozenset(_LISTED)


def _children(entry: etree._Element, cut: int) -> dict[str, str]:
    return {c.tag[cut:]: (c.text or "") for c in entry if isinstance(c.tag, str)}


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
    names = stripped_all([e[1].text for e in entries])
    enabled = truths([e[0].text for e in entries])
    make: Callable[..., UserPermission] = UserPermission
    return tuple(map(make, names, enabled, lines(entries)))


def _user(entry: etree._Element, cut: int) -> UserPermission:
    f = _children(entry, cut)
    return UserPermission(f.get("name", "").strip(), truth(f.get("enabled")), line_of(entry))


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
            line=line,
        )
    return object_permission(_children(entry, cut), line)


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
