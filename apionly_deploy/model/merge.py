"""What an org holds after a deploy, worked out on the permission model.

Salesforce treats the two container kinds differently:

- A PermissionSet (or MutingPermissionSet, or PermissionSetGroup) deploy replaces the whole
  component: what the file leaves out is gone.
- A Profile deploy patches. Each repeated entry has a key (``userPermissions`` by name,
  ``objectPermissions`` by object, ``layoutAssignments`` by layout and record type...); an entry
  in the file replaces the org's entry with the same key, and entries the file does not name
  stay as they were. A single value (description, user licence, custom) changes only when the
  file has it.
- ``loginIpRanges`` and ``loginHours`` are replaced as a whole when the file has them (one
  range in the file leaves exactly that range) and kept as they were when it has none, so a
  Profile deploy cannot clear them. Untyped elements without a key (``loginFlows``, elements
  of newer API versions) follow the same rule per tag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from apionly_deploy.model.components import (
    Component,
    Kind,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)
from apionly_deploy.model.elements import ELEMENTS

_E = TypeVar("_E")
_C = TypeVar("_C", PermissionContainer, PermissionSetGroup)

#: The typed entry lists of a container, and the field Salesforce keys each one by.
ENTRY_KEYS: dict[str, Callable[[Any], str]] = {
    "user_permissions": attrgetter("name"),
    "object_permissions": attrgetter("object"),
    "field_permissions": attrgetter("field"),
    "class_accesses": attrgetter("name"),
    "page_accesses": attrgetter("name"),
    "custom_permissions": attrgetter("name"),
    "tabs": attrgetter("tab"),
    "record_types": attrgetter("record_type"),
}

#: How Salesforce keys the repeated Profile elements the model keeps as untyped Nodes: those
#: of ``model.elements``, and typed elements kept whole because they hold more than the model
#: types (``viewSetup`` on an object, ``hidden`` on a field).
EXTRA_KEYS: dict[str, tuple[str, ...]] = {
    **{element.tag: element.identity for element in ELEMENTS if element.keyed},
    "userPermissions": ("name",),
    "objectPermissions": ("object",),
    "fieldPermissions": ("field",),
    "classAccesses": ("apexClass",),
    "pageAccesses": ("apexPage",),
    "customPermissions": ("name",),
    "tabVisibilities": ("tab",),
    "recordTypeVisibilities": ("recordType",),
}

#: Single values: the deployed file's value wins when it has one.
_SCALARS = ("label", "description", "license", "user_license", "custom", "has_activation_required")


def extra_key(node: Node) -> tuple[str, ...] | None:
    """Return the identifying child texts of a keyed untyped element (None: it has no key)."""
    fields = EXTRA_KEYS.get(node.tag)
    if fields is None:
        return None
    texts = {child.tag: child.text or "" for child in node.children}
    return tuple(texts.get(name, "") for name in fields)


def _flat(node: Node) -> str:
    inner = "".join(_flat(child) for child in node.children)
    return f"<{node.tag}>{node.text or ''}{inner}</{node.tag}>"


def _extra_order(node: Node) -> tuple[str, ...]:
    key = extra_key(node)
    return (node.tag, *(key if key is not None else (_flat(node),)))


def sorted_entry_lists(container: PermissionContainer) -> dict[str, Any]:
    """Return each typed entry list of ``container`` sorted by its key (render and merge)."""
    return {
        attr: tuple(sorted(getattr(container, attr), key=key)) for attr, key in ENTRY_KEYS.items()
    }


def canonical(component: _C) -> _C:
    """Return ``component`` as the org keeps it: every entry list sorted by its key."""
    extras = tuple(sorted(component.extras, key=_extra_order))
    if not isinstance(component, PermissionContainer):
        return dataclasses.replace(component, extras=extras)
    return dataclasses.replace(component, extras=extras, **sorted_entry_lists(component))


def _patch_entries(
    old: Sequence[_E], new: Sequence[_E], key: Callable[[_E], object]
) -> tuple[_E, ...]:
    named = {key(entry) for entry in new}
    return (*(entry for entry in old if key(entry) not in named), *new)


def _patch_extras(old: Iterable[Node], new: Sequence[Node]) -> tuple[Node, ...]:
    tags = {node.tag for node in new}
    named = {(node.tag, extra_key(node)) for node in new}

    def replaced(node: Node) -> bool:
        key = extra_key(node)
        return node.tag in tags if key is None else (node.tag, key) in named

    return (*(node for node in old if not replaced(node)), *new)


def patch_profile(
    existing: PermissionContainer, incoming: PermissionContainer
) -> PermissionContainer:
    """Return the org's profile ``existing`` after a deploy of the profile file ``incoming``."""
    if existing.kind is not Kind.PROFILE or incoming.kind is not Kind.PROFILE:
        raise ValueError(f"patch_profile takes two Profiles, not {existing.kind}, {incoming.kind}")
    lists: dict[str, Any] = {
        attr: _patch_entries(getattr(existing, attr), getattr(incoming, attr), key)
        for attr, key in ENTRY_KEYS.items()
    }
    scalars = {
        attr: getattr(incoming, attr)
        if getattr(incoming, attr) is not None
        else getattr(existing, attr)
        for attr in _SCALARS
    }
    patched = dataclasses.replace(
        existing,
        login_ip_ranges=incoming.login_ip_ranges or existing.login_ip_ranges,
        login_hours=existing.login_hours if incoming.login_hours is None else incoming.login_hours,
        extras=_patch_extras(existing.extras, incoming.extras),
        **lists,
        **scalars,
    )
    return canonical(patched)


def deployed(existing: Component | None, incoming: Component) -> Component:
    """Return what the org holds after ``incoming`` is deployed over ``existing`` (None: new)."""
    if isinstance(incoming, PermissionSetGroup):
        return canonical(incoming)
    if incoming.kind is Kind.PROFILE and isinstance(existing, PermissionContainer):
        return patch_profile(existing, incoming)
    return canonical(incoming)
