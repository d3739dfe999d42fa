"""Two permission models -> the changes a deploy of the second would make, per component.

Changes are semantic: entries are matched by key, so ordering and whitespace never show up.
Deploy semantics are applied: a PermissionSet (and a group) deploy replaces the whole component,
so an entry dropped from the file is a revoke; a Profile deploy patches, so an entry dropped from
the file stays in the org as it was (``Action.STAYS``). Risk is rated separately (``risk.assess``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from apionly_deploy.model.components import (
    Component,
    Kind,
    Node,
    PermissionContainer,
    PermissionSetGroup,
)
from apionly_deploy.model.elements import BY_TAG
from apionly_deploy.review import entries, login
from apionly_deploy.review.audience import Assignment, Audience, audiences
from apionly_deploy.review.entries import Step


class Category(StrEnum):
    """What a change is about, in report order."""

    COMPONENT = "component"
    LICENSE = "license"
    USER_PERMISSION = "user_permission"
    OBJECT = "object"
    FIELD = "field"
    APEX_CLASS = "apex_class"
    PAGE = "page"
    CUSTOM_PERMISSION = "custom_permission"
    TAB = "tab"
    RECORD_TYPE = "record_type"
    LOGIN_IP_RANGE = "login_ip_range"
    LOGIN_HOURS = "login_hours"
    # The untyped elements of model.elements, by their category there.
    APP = "app"
    FLOW = "flow"
    CUSTOM_METADATA_TYPE = "custom_metadata_type"
    CUSTOM_SETTING = "custom_setting"
    EXTERNAL_CREDENTIAL_PRINCIPAL = "external_credential_principal"
    EXTERNAL_DATA_SOURCE = "external_data_source"
    AGENT = "agent"
    EMAIL_ROUTING_ADDRESS = "email_routing_address"
    SERVICE_PRESENCE_STATUS = "service_presence_status"
    COMPUTING_SUMMARY = "computing_summary"
    DATASPACE_SCOPE = "dataspace_scope"
    LAYOUT = "layout"
    LOGIN_FLOW = "login_flow"
    ACTION_OVERRIDE = "action_override"
    CATEGORY_GROUP = "category_group"
    GROUP_MEMBERSHIP = "group_membership"
    GROUP_MUTING = "group_muting"
    SETTING = "setting"
    OTHER = "other"
    # A file under the project's templates/ folder: code from a pull request.
    TEMPLATE = "template"


class ProjectFile(StrEnum):
    """What a change is about when it is not a permission component."""

    TEMPLATE = "Template"


#: A changed thing: a permission component's kind, or a project file.
Subject = Kind | ProjectFile
#: The component name template changes are listed under.
TEMPLATES_FOLDER = "templates"


class Action(StrEnum):
    """What the deploy does to the org for one entry."""

    GRANT = "grant"  # access turned on
    REVOKE = "revoke"  # access turned off
    CHANGE = "change"  # a value changed, neither clearly more nor less access
    STAYS = "stays"  # dropped from a Profile file: the org keeps it as it was
    ADD = "add"  # an entry without on/off flags (a layout assignment, a component) appears
    REMOVE = "remove"  # ... or goes
    WIDEN = "widen"  # login IP ranges or hours allow more
    NARROW = "narrow"  # ... or less


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Return 2 for high, 1 for medium, 0 for low."""
        return {"high": 2, "medium": 1, "low": 0}[self.value]


STAYS_NOTE = entries.STAYS_NOTE
PROFILE_OFF_NOTE = entries.PROFILE_OFF_NOTE
MUTING_NOTE = "muting permission set: a flag turned on here takes it away from the group"


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic change to one entry of one component (or one project template)."""

    kind: Subject
    component: str
    category: Category
    key: str
    action: Action
    before: str | None = None
    after: str | None = None
    granted: tuple[str, ...] = ()
    revoked: tuple[str, ...] = ()
    note: str | None = None
    risk: Risk | None = None
    reason: str | None = None
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A whole diff: what was compared, the changes, and notes for the reader."""

    base: str
    head: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()
    #: Who each changed component reaches: declared users and groups (review context).
    audiences: Mapping[tuple[Kind, str], Audience] = field(default_factory=dict)


_CATEGORY_ORDER = {category: index for index, category in enumerate(Category)}


def sort_key(change: Change) -> tuple[str, str, int, str]:
    """Return the stable report order: kind, component, category, key."""
    return (change.kind.value, change.component, _CATEGORY_ORDER[change.category], change.key)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: a label for the reader and the components it holds."""

    label: str
    components: tuple[Component, ...]
    deletions: tuple[tuple[Kind, str], ...] = ()
    notes: tuple[str, ...] = ()
    #: A project side's templates/ files: relative path -> content digest (None: no project).
    templates: Mapping[str, str] | None = None


def compare(base: Side, head: Side, assignments: Iterable[Assignment] = ()) -> Comparison:
    """Return the (unrated) changes deploying ``head`` makes over ``base``, with whom each
    changed component reaches (the groups on either side, the declared users' assignments)."""
    changes = diff_bundles(base.components, head.components, deletions=head.deletions)
    keys = dict.fromkeys((c.kind, c.component) for c in changes if isinstance(c.kind, Kind))
    reach = audiences(keys, (*head.components, *base.components), assignments)
    changes += template_changes(base.templates, head.templates)
    return Comparison(base.label, head.label, tuple(changes), base.notes + head.notes, reach)


def template_changes(old: Mapping[str, str] | None, new: Mapping[str, str] | None) -> list[Change]:
    """Return a change per template file added, removed or edited between two project sides.

    Templates are code from a pull request (they decide what is rendered and deployed), so
    any change is listed; only when both sides are projects (None: a file or an org).
    """
    if old is None or new is None:
        return []
    changes = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        action = Action.ADD if before is None else Action.REMOVE if after is None else Action.CHANGE
        changes.append(
            Change(
                ProjectFile.TEMPLATE,
                TEMPLATES_FOLDER,
                Category.TEMPLATE,
                path,
                action,
                before=before,
                after=after,
            )
        )
    return changes


def without_stays(comparison: Comparison) -> Comparison:
    """Return ``comparison`` without the Profile entries that stay as they are, noting how many.

    Against an org, everything a retrieved Profile holds beyond the project's file "stays":
    true, but not a change worth a line.
    """
    kept = tuple(c for c in comparison.changes if c.action is not Action.STAYS)
    dropped = len(comparison.changes) - len(kept)
    if not dropped:
        return comparison
    note = f"{dropped} Profile entries the project does not manage stay as they are (not listed)"
    return replace(comparison, changes=kept, notes=(*comparison.notes, note))


def diff_bundles(
    old: Iterable[Component],
    new: Iterable[Component],
    *,
    deletions: Iterable[tuple[Kind, str]] = (),
) -> list[Change]:
    """Return the changes deploying ``new`` makes over ``old``, components paired by kind+name."""
    olds = {(c.kind, c.name): c for c in old}
    news = {(c.kind, c.name): c for c in new}
    deleted = set(deletions)
    changes: list[Change] = []
    for kind, name in sorted(olds.keys() | news.keys()):
        after = news.get((kind, name))
        if after is not None:
            changes.extend(diff_components(olds.get((kind, name)), after))
            continue
        note = (
            "deleted from the org by this deploy"
            if (kind, name) in deleted
            else "no longer in the source; a deploy does not delete it, it stays in the org"
        )
        changes.append(Change(kind, name, Category.COMPONENT, name, Action.REMOVE, note=note))
    changes.sort(key=sort_key)
    return changes


def diff_components(old: Component | None, new: Component) -> list[Change]:
    """Return the changes deploying ``new`` makes over ``old`` (None: the component is new)."""
    patch = new.kind is Kind.PROFILE and old is not None
    base = _Base(new.kind, new.name, patch=patch, new=old is None)
    changes: list[Change] = []
    if old is None:
        changes.append(base.change(Category.COMPONENT, new.name, Action.ADD))
        old = _empty(new)
    if isinstance(new, PermissionSetGroup) and isinstance(old, PermissionSetGroup):
        changes.extend(_group_changes(base, old, new))
    elif isinstance(new, PermissionContainer) and isinstance(old, PermissionContainer):
        if old.kind is not new.kind:
            raise ValueError(f"cannot compare a {old.kind} with a {new.kind}")
        changes.extend(_container_changes(base, old, new))
    else:
        raise ValueError(f"cannot compare a {old.kind} with a {new.kind}")
    if base.new:  # a new component: no label line, and its license is set, not changed
        changes = [
            replace(c, action=Action.ADD) if c.category is Category.LICENSE else c
            for c in changes
            if c.category is not Category.SETTING
        ]
    if new.kind is Kind.MUTING_PERMISSION_SET:
        changes = [_invert(change) for change in changes]
    changes.sort(key=sort_key)
    return changes


@dataclass(frozen=True, slots=True)
class _Base:
    kind: Kind
    component: str
    patch: bool  # Profile semantics: absent entries stay as they are in the org
    new: bool = False  # the component is not on the old side at all

    def change(self, category: Category, key: str, action: Action, **kw: Any) -> Change:
        return Change(self.kind, self.component, category, key, action, **kw)

    def changes(self, category: Category, steps: Iterable[Step | None]) -> Iterator[Change]:
        for s in steps:
            if s is not None:
                yield Change(
                    self.kind,
                    self.component,
                    category,
                    s.key,
                    Action(s.action),
                    s.before,
                    s.after,
                    s.granted,
                    s.revoked,
                    s.note,
                )


def _empty(component: Component) -> Component:
    if isinstance(component, PermissionSetGroup):
        return PermissionSetGroup(name=component.name)
    return PermissionContainer(kind=component.kind, name=component.name)


# -- what changes inside a component --------------------------------------------------------

_ENTRY_LISTS = (
    (Category.USER_PERMISSION, "user_permissions", entries.name_key, entries.enabled_state),
    (Category.OBJECT, "object_permissions", entries.object_key, entries.object_state),
    (Category.FIELD, "field_permissions", entries.field_key, entries.field_state),
    (Category.APEX_CLASS, "class_accesses", entries.name_key, entries.enabled_state),
    (Category.PAGE, "page_accesses", entries.name_key, entries.enabled_state),
    (Category.CUSTOM_PERMISSION, "custom_permissions", entries.name_key, entries.enabled_state),
    (Category.TAB, "tabs", entries.tab_key, entries.tab_state),
    (Category.RECORD_TYPE, "record_types", entries.record_type_key, entries.record_type_state),
)


def _container_changes(
    base: _Base, old: PermissionContainer, new: PermissionContainer
) -> Iterator[Change]:
    patch = base.patch
    license_attr = "user_license" if new.kind is Kind.PROFILE else "license"
    key = entries.LICENSE_KEYS[license_attr]
    license_step = entries.value_step(
        key, getattr(old, license_attr), getattr(new, license_attr), patch=patch
    )
    yield from base.changes(Category.LICENSE, [license_step])
    yield from _settings(base, old, new, ("label", "description", "custom"))
    for category, attr, key_of, state_of in _ENTRY_LISTS:
        steps = entries.entry_steps(
            key_of, state_of, getattr(old, attr), getattr(new, attr), patch=patch
        )
        yield from base.changes(category, steps)
    yield from _extras(base, old.extras, new.extras)
    ip_ranges = login.ip_range_steps(old.login_ip_ranges, new.login_ip_ranges, patch=patch)
    yield from base.changes(Category.LOGIN_IP_RANGE, ip_ranges)
    hours = login.login_hours_steps(old.login_hours, new.login_hours, patch=patch)
    yield from base.changes(Category.LOGIN_HOURS, hours)


def _settings(
    base: _Base, old: Component, new: Component, attrs: Iterable[str]
) -> Iterator[Change]:
    for attr in (*attrs, "has_activation_required"):
        step = entries.value_step(
            entries.SETTING_KEYS[attr], getattr(old, attr), getattr(new, attr), patch=base.patch
        )
        yield from base.changes(Category.SETTING, [step])


def _extras(base: _Base, old: Sequence[Node], new: Sequence[Node]) -> Iterator[Change]:
    """Diff untyped elements tag by tag: those of model.elements in their own category, keyed
    by Salesforce's key for them; anything else under ``other``."""
    tags = sorted({n.tag for n in (*old, *new) if entries.is_entry(n)})
    for tag in tags:
        element = BY_TAG.get(tag)
        steps = entries.entry_steps(
            entries.node_key if element is None else entries.identity_key(element.identity),
            entries.node_state if element is None or element.access_flags else entries.present,
            [e for e in old if e.tag == tag and entries.is_entry(e)],
            [e for e in new if e.tag == tag and entries.is_entry(e)],
            patch=base.patch,
        )
        yield from base.changes(Category(element.category) if element else Category.OTHER, steps)


def _group_changes(
    base: _Base, old: PermissionSetGroup, new: PermissionSetGroup
) -> Iterator[Change]:
    # status (Updated, Outdated...) is the org's bookkeeping, not access: not a change.
    yield from _settings(base, old, new, ("label", "description"))
    lists = (
        (Category.GROUP_MEMBERSHIP, old.permission_sets, new.permission_sets, "grant", "revoke"),
        (
            Category.GROUP_MUTING,
            old.muting_permission_sets,
            new.muting_permission_sets,
            "revoke",  # a muting set added to a group takes permissions away
            "grant",
        ),
    )
    for category, before, after, added, removed in lists:
        steps = [Step(name, added, after="in the group") for name in set(after) - set(before)]
        steps += [Step(name, removed, before="in the group") for name in set(before) - set(after)]
        yield from base.changes(category, steps)
    yield from _extras(base, old.extras, new.extras)


def _invert(change: Change) -> Change:
    swap = {Action.GRANT: Action.REVOKE, Action.REVOKE: Action.GRANT}
    if change.action not in swap:
        return change
    return replace(
        change,
        action=swap[change.action],
        granted=change.revoked,
        revoked=change.granted,
        note=MUTING_NOTE,
    )
