"""Permission components in the org's store: kept as the XML the org's own writer (``writer``)
makes of its model of them, and served back, filtered the way a Salesforce retrieve is.

What a deploy does to the model (a Profile patch, a PermissionSet replace) is
``apionly_deploy.model.merge``; other metadata types (CustomObject...) are kept as deployed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from apionly_deploy.emulator.store import StoredComponent
from apionly_deploy.emulator.writer import component_xml
from apionly_deploy.model.components import Component, Kind, PermissionContainer
from apionly_deploy.model.merge import ENTRY_KEYS, extra_key
from apionly_deploy.model.parse import parse_component_bytes

#: Permission types, whose stored XML is the model rendered; the rest is kept as deployed.
PERMISSION_TYPES = frozenset(kind.value for kind in Kind)

#: Profile entries a retrieve returns only for components named in it: tag -> model list.
_RETRIEVE_BOUND = {
    "objectPermissions": "object_permissions",
    "fieldPermissions": "field_permissions",
    "classAccesses": "class_accesses",
    "pageAccesses": "page_accesses",
    "tabVisibilities": "tabs",
    "recordTypeVisibilities": "record_types",
}
#: Untyped profile entries bound the same way (by the component types that name them); other
#: keyed elements (agents, presence statuses...) the local org returns always.
_BOUND_EXTRAS = frozenset(
    {
        "layoutAssignments",
        "applicationVisibilities",
        "flowAccesses",
        "customSettingAccesses",
        "customMetadataTypeAccesses",
        "externalDataSourceAccesses",
    }
)


def stored_xml(component: Component) -> bytes:
    """Return the XML the store keeps for a component model."""
    return component_xml(component)


def load(stored: StoredComponent) -> Component:
    """Return the model of a stored permission component."""
    return parse_component_bytes(stored.xml, name=stored.full_name, source=stored.file_name)


def served_xml(
    stored: StoredComponent, *, keep: Mapping[str, set[str] | None] | None = None
) -> bytes:
    """Return a stored component's XML for a retrieve or read (profiles filtered by ``keep``)."""
    if stored.type not in PERMISSION_TYPES:
        return stored.xml
    component = load(stored)
    if keep is not None and isinstance(component, PermissionContainer):
        component = filter_profile(component, keep)
    return component_xml(component)


def filter_profile(
    profile: PermissionContainer, keep: Mapping[str, set[str] | None]
) -> PermissionContainer:
    """Return a profile with only the component-bound entries a retrieve asked for.

    Salesforce returns a profile's user and custom permissions, licence and login settings
    always, and its object, field, class, page, tab, layout, record type, app and other keyed
    entries only for components named in the same retrieve. ``keep`` maps an entry's XML tag
    to the names to keep (None: all; ``Account.*``: every field of Account).
    """

    def wanted(tag: str, key: str) -> bool:
        names = keep.get(tag, set())
        return names is None or key in names or key.split(".", 1)[0] + ".*" in names

    lists: dict[str, Any] = {
        attr: tuple(e for e in getattr(profile, attr) if wanted(tag, ENTRY_KEYS[attr](e)))
        for tag, attr in _RETRIEVE_BOUND.items()
    }
    extras = tuple(
        node
        for node in profile.extras
        if node.tag not in _BOUND_EXTRAS
        or (key := extra_key(node)) is None
        or wanted(node.tag, key[0])
    )
    return dataclasses.replace(profile, extras=extras, **lists)
