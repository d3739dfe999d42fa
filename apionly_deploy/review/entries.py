"""Entry keys and on/off states for the diff (login IP ranges and hours: ``diff_login``).

Kept apart from ``diff`` so each stays small: nothing here knows about ``Change``. A state is the
set of flags an entry turns on plus how to show it; ``PRESENT`` stands for entries that have no
flags at all (a layout assignment), where being in the file is what counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from apionly_deploy.model.components import (
    Access,
    FieldPermission,
    Node,
    ObjectPermission,
    RecordTypeVisibility,
    TabSetting,
    UserPermission,
)
from apionly_deploy.model.xmlread import truth

State = tuple[frozenset[str], str]


class Step(NamedTuple):
    """One change to one entry, before ``diff`` turns it into a Change (action: its value)."""

    key: str
    action: str
    before: str | None = None
    after: str | None = None
    note: str | None = None
    granted: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()


STAYS_NOTE = "stays granted in the org; set it to false to revoke"
STAYS_PRESENT_NOTE = "stays in the org; a Profile deploy does not remove it"
PROFILE_OFF_NOTE = "now explicitly off: revokes it if the org grants it"

ON = frozenset({"enabled"})
PRESENT = frozenset({"present"})
_OFF: State = (frozenset(), "off")
_ENABLED: State = (ON, "on")

LICENSE_KEYS = {"license": "license", "user_license": "userLicense"}
SETTING_KEYS = {
    "label": "label",
    "description": "description",
    "custom": "custom",
    "has_activation_required": "hasActivationRequired",
}

_OBJECT_FLAGS = (
    ("read", "read"),
    ("create", "create"),
    ("edit", "edit"),
    ("delete", "delete"),
    ("view_all", "viewAll"),
    ("modify_all", "modifyAll"),
    ("view_all_fields", "viewAllFields"),
    ("customize_setup", "customizeSetup"),
    ("delete_setup", "deleteSetup"),
    ("view_setup", "viewSetup"),
)
#: Tab visibility as access: a profile's DefaultOff and a set's Available both make the tab
#: reachable; DefaultOn and Visible also put it in the navigation.
_TAB_FLAGS = {
    "Available": frozenset({"available"}),
    "DefaultOff": frozenset({"available"}),
    "Visible": frozenset({"available", "visible"}),
    "DefaultOn": frozenset({"available", "visible"}),
}


_FLAG_ORDER = {
    name: index
    for index, name in enumerate(
        (
            *("enabled", "read", "create", "edit", "delete", "viewAll", "modifyAll"),
            *("viewAllFields", "customizeSetup", "deleteSetup", "viewSetup"),
            *("available", "visible", "default", "personAccountDefault"),
            "present",
        )
    )
}


def ordered(flags: frozenset[str]) -> tuple[str, ...]:
    """Return flags in a fixed reading order (read before edit...), unknown ones last by name."""
    return tuple(sorted(flags, key=lambda f: (_FLAG_ORDER.get(f, len(_FLAG_ORDER)), f)))


def shown(value: object) -> str | None:
    """Return a single value as the diff shows it: whitespace folded, booleans lower case."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split())


def name_key(entry: UserPermission | Access) -> str:
    return entry.name


def enabled_state(entry: UserPermission | Access) -> State:
    return _ENABLED if entry.enabled else _OFF


def object_key(entry: ObjectPermission) -> str:
    return entry.object


def object_state(entry: ObjectPermission) -> State:
    flags = tuple(name for attr, name in _OBJECT_FLAGS if getattr(entry, attr))
    return frozenset(flags), ", ".join(flags) or "none"


def field_key(entry: FieldPermission) -> str:
    return entry.field


def field_state(entry: FieldPermission) -> State:
    flags = tuple(name for name, on in (("read", entry.readable), ("edit", entry.editable)) if on)
    return frozenset(flags), ", ".join(flags) or "none"


def tab_key(entry: TabSetting) -> str:
    return entry.tab


def tab_state(entry: TabSetting) -> State:
    return _TAB_FLAGS.get(entry.visibility, frozenset()), entry.visibility


def record_type_key(entry: RecordTypeVisibility) -> str:
    return entry.record_type


def record_type_state(entry: RecordTypeVisibility) -> State:
    pairs = (
        ("visible", entry.visible),
        ("default", entry.default),
        ("personAccountDefault", entry.person_account_default),
    )
    flags = tuple(name for name, on in pairs if on)
    return frozenset(flags), ", ".join(flags) or "hidden"


# -- untyped list entries (applicationVisibilities, layoutAssignments, flowAccesses...) ------


def is_entry(node: Node) -> bool:
    """Return True for an untyped element the diff compares as an entry."""
    return bool(node.children) or node.text is not None


def _canonical(node: Node) -> str:
    if not node.children:
        return f"{node.tag}={' '.join((node.text or '').split())}"
    inner = ", ".join(sorted(_canonical(c) for c in node.children))
    return f"{node.tag}({inner})"


def _is_flag(node: Node) -> bool:
    return not node.children and (node.text or "").lower() in ("true", "false")


def node_key(node: Node) -> str:
    """Return ``tag: identity``, the identity being every child that is not a true/false flag."""
    if not node.children:
        return node.tag
    ids = [c for c in node.children if not _is_flag(c)]
    if len(ids) == 1 and not ids[0].children:
        return f"{node.tag}: {' '.join((ids[0].text or '').split())}"
    return f"{node.tag}: {', '.join(sorted(_canonical(c) for c in ids))}"


def identity_key(identity: Sequence[str]) -> Callable[[Node], str]:
    """Return the key of an element Salesforce keys by ``identity``: its first child's text,
    the others in parentheses (``Account-Account Layout (Account.Partner)``)."""

    def key(node: Node) -> str:
        texts = {c.tag: " ".join((c.text or "").split()) for c in node.children}
        first, *rest = [texts[name] for name in identity if texts.get(name)] or [""]
        return f"{first} ({', '.join(rest)})" if rest else first

    return key


def present(node: Node) -> State:
    """Return the state of an entry whose presence is what counts (a login flow)."""
    return PRESENT, "present"


def node_state(node: Node) -> State:
    if not node.children:
        return PRESENT, shown(node.text) or ""
    flags = [c for c in node.children if _is_flag(c)]
    if not flags:
        return PRESENT, "present"
    on = tuple(sorted(c.tag for c in flags if truth(c.text)))
    return frozenset(on), ", ".join(on) or "none"


# -- from two entry lists to steps -----------------------------------------------------------


def entry_steps(
    key: Callable[[Any], str],
    state: Callable[[Any], State],
    old_entries: Sequence[Any],
    new_entries: Sequence[Any],
    *,
    patch: bool,
) -> list[Step]:
    """Return the steps between two entry lists matched by ``key`` (entries compared first)."""
    old = {key(e): e for e in old_entries}
    new = {key(e): e for e in new_entries}
    differing = [k for k, e in new.items() if old.get(k) != e]
    differing.extend(k for k in old if k not in new)
    steps = []
    for name in differing:
        before, after = old.get(name), new.get(name)
        step = flag_step(
            name,
            None if before is None else state(before),
            None if after is None else state(after),
            patch=patch,
        )
        if step is not None:
            steps.append(step)
    return steps


def flag_step(key: str, old: State | None, new: State | None, *, patch: bool) -> Step | None:
    """Return the step from one entry state to another (``patch``: Profile deploy semantics)."""
    if new is None:
        if old is None or not old[0]:
            return None  # an entry that granted nothing is gone: nothing changes in the org
        if patch:
            note = STAYS_PRESENT_NOTE if old[0] == PRESENT else STAYS_NOTE
            return Step(key, "stays", before=old[1], note=note)
        return Step(key, _on_off(old[0], on=False), before=old[1], revoked=ordered(old[0]))
    if old is None:
        if new[0]:
            return Step(key, _on_off(new[0], on=True), after=new[1], granted=ordered(new[0]))
        return Step(key, "revoke", after=new[1], note=PROFILE_OFF_NOTE) if patch else None
    granted, revoked = ordered(new[0] - old[0]), ordered(old[0] - new[0])
    if not granted and not revoked and old[1] == new[1]:
        return None
    action = "change"
    if granted and not revoked:
        action = _on_off(new[0], on=True)
    elif revoked and not granted:
        action = _on_off(old[0], on=False)
    return Step(key, action, old[1], new[1], granted=granted, revoked=revoked)


def _on_off(flags: frozenset[str], *, on: bool) -> str:
    if flags == PRESENT:
        return "add" if on else "remove"
    return "grant" if on else "revoke"


def value_step(key: str, old: object, new: object, *, patch: bool) -> Step | None:
    """Return the step between two single values (a license, a label), or None if equal."""
    before, after = shown(old), shown(new)
    if before == after:
        return None
    if after is None and patch:
        return Step(key, "stays", before=before, note="stays in the org")
    return Step(key, "change", before, after)
