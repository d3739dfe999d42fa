"""Component XML as the org keeps it: canonical form and Salesforce's Profile patch merge.

A PermissionSet deploy replaces the whole set; a Profile deploy patches: entries the file
names replace the org's entries with the same key, the rest stay as they were.
"""

from __future__ import annotations

from lxml import etree

from apionly_deploy.xmldoc import METADATA_NS, local_name, parse_bytes

#: How Salesforce keys a Profile's repeated entries; the first key field that is present.
_ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "applicationVisibilities": ("application",),
    "categoryGroupVisibilities": ("dataCategoryGroup",),
    "classAccesses": ("apexClass",),
    "customMetadataTypeAccesses": ("name",),
    "customPermissions": ("name",),
    "customSettingAccesses": ("name",),
    "externalDataSourceAccesses": ("externalDataSource",),
    "fieldPermissions": ("field",),
    "flowAccesses": ("flow",),
    "layoutAssignments": ("layout", "recordType"),
    "objectPermissions": ("object",),
    "pageAccesses": ("apexPage",),
    "profileActionOverrides": ("actionName", "pageOrSobjectType", "recordType"),
    "recordTypeVisibilities": ("recordType",),
    "tabVisibilities": ("tab",),
    "userPermissions": ("name",),
}
#: Elements a deployed profile replaces as a whole when it has them.
_REPLACED_WHOLE = frozenset({"loginIpRanges", "loginHours", "loginFlows"})


def _child_text(element: etree._Element, name: str) -> str:
    found = element.find(f"{{{METADATA_NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _entry_key(element: etree._Element) -> tuple[str, ...]:
    tag = local_name(element)
    fields = _ENTRY_KEYS.get(tag)
    if fields is None:
        return (tag, etree.tostring(element, method="c14n").decode())
    return (tag, *(_child_text(element, f) for f in fields))


def _elements(root: etree._Element) -> list[etree._Element]:
    return [child for child in root if isinstance(child.tag, str)]


def canonical_xml(root_tag: str, children: list[etree._Element]) -> bytes:
    """Write a component the way Salesforce returns it: sorted elements, 4-space indent."""
    root = etree.Element(f"{{{METADATA_NS}}}{root_tag}", nsmap={None: METADATA_NS})  # type: ignore[dict-item]
    ordered = sorted(children, key=lambda e: (local_name(e), _entry_key(e)[1:]))
    for child in ordered:
        root.append(_clean_copy(child))
    etree.indent(root, space="    ")
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def _clean_copy(element: etree._Element) -> etree._Element:
    copy = etree.Element(f"{{{METADATA_NS}}}{local_name(element)}")
    kids = _elements(element)
    if kids:
        for kid in kids:
            copy.append(_clean_copy(kid))
    else:
        copy.text = (
            (element.text or "").strip() if element.text and element.text.strip() else element.text
        )
    return copy


def normalize(xml: bytes) -> bytes:
    """Return a component's XML in canonical form (fullName dropped: the file name says it)."""
    root = parse_bytes(xml)
    kept = [c for c in _elements(root) if local_name(c) != "fullName"]
    return canonical_xml(local_name(root), kept)


def merge_profile(existing: bytes, incoming: bytes) -> bytes:
    """Patch the org's profile ``existing`` with a deployed profile file ``incoming``."""
    old_root = parse_bytes(existing)
    new_root = parse_bytes(incoming)
    new_children = [c for c in _elements(new_root) if local_name(c) != "fullName"]
    replaced_tags = {local_name(c) for c in new_children} & _REPLACED_WHOLE
    scalar_tags = {local_name(c) for c in new_children if local_name(c) not in _ENTRY_KEYS}
    new_keys = {_entry_key(c) for c in new_children if local_name(c) in _ENTRY_KEYS}
    kept = []
    for child in _elements(old_root):
        tag = local_name(child)
        if tag == "fullName" or tag in replaced_tags or tag in scalar_tags:
            continue
        if tag in _ENTRY_KEYS and _entry_key(child) in new_keys:
            continue
        kept.append(child)
    return canonical_xml("Profile", kept + new_children)


def filter_profile(xml: bytes, keep: dict[str, set[str] | None]) -> bytes:
    """Return a profile with only the object-bound entries a retrieve asked for.

    Salesforce returns a profile's user permissions, licence and login settings always, and
    its object, field, class, page, tab, layout and record type entries only for components
    named in the same retrieve. ``keep`` maps an entry tag to the keys to keep (None: all).
    """
    root = parse_bytes(xml)
    kept = []
    for child in _elements(root):
        tag = local_name(child)
        if tag in _ENTRY_KEYS and tag not in ("userPermissions", "customPermissions"):
            wanted = keep.get(tag, set())
            key = _entry_key(child)[1]
            object_wildcard = key.split(".", 1)[0] + ".*"
            if wanted is not None and key not in wanted and object_wildcard not in wanted:
                continue
        kept.append(child)
    return canonical_xml(local_name(root), kept)


def records_xml(root_tag: str, xml: bytes) -> list[etree._Element]:
    """Return the child elements of a stored component (for readMetadata)."""
    root = parse_bytes(xml)
    del root_tag
    return [_clean_copy(c) for c in _elements(root)]
