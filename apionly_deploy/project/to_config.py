"""Turn retrieved components back into ``apionly.toml`` tables (the keys ``init`` writes).

Loading the tables and rendering them gives the same permissions back. What the project file has
no key for (layouts, app visibilities, ``viewAllFields``...) is listed as dropped.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import write_atomic
from apionly_deploy.model.components import (
    API_ENABLED,
    API_USER_ONLY,
    OBJECT_FLAGS,
    Access,
    Component,
    Kind,
    PermissionContainer,
    PermissionSetGroup,
)

_PS_TABS = {"Available": "available", "Visible": "visible", "None": "none"}
_PROFILE_TABS = {"DefaultOn": "default_on", "DefaultOff": "default_off", "Hidden": "hidden"}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TABLES = {
    Kind.PERMISSION_SET: "permission_sets",
    Kind.PROFILE: "profiles",
    Kind.PERMISSION_SET_GROUP: "permission_set_groups",
}


@dataclass(frozen=True, slots=True)
class Converted:
    """TOML text for some components, and what could not be expressed."""

    text: str
    dropped: tuple[str, ...]


def key(name: str) -> str:
    """Return a TOML key: bare when it can be, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def value(item: object) -> str:
    """Return a TOML value for a string, bool, list or dict of those."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return json.dumps(item)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(item, list):
        return "[" + ", ".join(value(i) for i in item) + "]"
    if isinstance(item, dict):
        if not item:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    raise TypeError(f"cannot write {type(item).__name__} as TOML")


def to_config(components: Iterable[Component]) -> Converted:
    """Return the project-file tables for ``components``, sorted by kind and name."""
    blocks, dropped = [], []
    for component in sorted(components, key=lambda c: (c.kind, c.name)):
        if component.kind not in TABLES:
            dropped.append(f"{component.kind} {component.name}: the project file has no table")
            continue
        entries = (
            _group(component)
            if isinstance(component, PermissionSetGroup)
            else _container(component)
        )
        lines = [f"[{TABLES[component.kind]}.{key(component.name)}]"]
        lines += [f"{key(k)} = {value(v)}" for k, v in entries.items() if v not in (None, [], {})]
        blocks.append("\n".join(lines))
        counts = Counter(node.tag for node in component.extras)
        dropped += [
            f"{component.kind} {component.name}: {tag} ({n})" for tag, n in sorted(counts.items())
        ]
    return Converted(text="\n\n".join(blocks) + ("\n" if blocks else ""), dropped=tuple(dropped))


def _group(group: PermissionSetGroup) -> dict[str, object]:
    return {
        "label": group.label,
        "description": group.description,
        "permission_sets": list(group.permission_sets),
        "muting_permission_sets": list(group.muting_permission_sets),
    }


def _container(c: PermissionContainer) -> dict[str, object]:
    profile = c.kind is Kind.PROFILE
    perms = {p.name: p.enabled for p in c.user_permissions}
    api_only = perms.get(API_USER_ONLY) is True and perms.get(API_ENABLED) is True
    if api_only:
        perms.pop(API_USER_ONLY)
        perms.pop(API_ENABLED)
    head: dict[str, object] = (
        {"user_license": c.user_license, "custom": False if c.custom is False else None}
        if profile
        else {"label": c.label, "license": c.license,
              "activation_required": True if c.has_activation_required else None}
    )  # fmt: skip
    body: dict[str, object] = {
        "description": c.description,
        "api_only": True if api_only else None,
        "user_permissions": _toggles(perms),
        "objects": {o.object: _object_words(o.granted()) for o in c.object_permissions},
        "fields": {f.field: "edit" if f.editable else "read" if f.readable else "none"
                   for f in c.field_permissions},
        "apex_classes": _toggles(_access(c.class_accesses)),
        "pages": _toggles(_access(c.page_accesses)),
        "custom_permissions": _toggles(_access(c.custom_permissions)),
        "tabs": {t.tab: (_PROFILE_TABS if profile else _PS_TABS).get(t.visibility, t.visibility)
                 for t in c.tabs},
        "record_types": {r.record_type: _record_type_words(r.visible, r.default)
                         for r in c.record_types},
    }  # fmt: skip
    if profile:
        body["login_ip_ranges"] = [
            _ip_range(r.start, r.end, r.description) for r in c.login_ip_ranges
        ]
        body["login_hours"] = _hours(c.login_hours.hours) if c.login_hours else None
    return {**head, **body}


def _access(entries: Sequence[Access]) -> dict[str, bool]:
    return {a.name: a.enabled for a in entries}


def _toggles(flags: dict[str, bool]) -> object:
    """``["A", "B"]`` when all are on, ``{ A = true, B = false }`` otherwise."""
    ordered = dict(sorted(flags.items()))
    return list(ordered) if all(ordered.values()) else ordered


def _object_words(granted: Sequence[str]) -> object:
    if set(granted) == set(OBJECT_FLAGS):
        return "all"
    return list(granted) or ["none"]


def _record_type_words(visible: bool, default: bool | None) -> object:
    if not visible:
        return "hidden"
    return ["visible", "default"] if default else "visible"


def _ip_range(start: str, end: str, description: str | None) -> dict[str, str]:
    item = {"start": start, "end": end}
    if description:
        item["description"] = description
    return item


def _hours(hours: Sequence[tuple[str, str]]) -> dict[str, str]:
    values = dict(hours)
    spans = {}
    for day in _DAYS:
        start, end = values.get(f"{day}Start"), values.get(f"{day}End")
        if start is not None and end is not None:
            spans[day] = f"{_clock(int(start))}-{_clock(int(end))}"
    return spans


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def add_to_project(
    project_file: Path, components: tuple[Component, ...], *, api_version: str, origin: str
) -> tuple[Converted, tuple[str, ...]]:
    """Append tables for ``components`` the project does not declare yet; return them and skips.

    The file is appended to, never rewritten: its comments and order stay as they are.
    """
    text = project_file.read_text(encoding="utf-8") if project_file.exists() else ""
    try:
        existing = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{project_file}: invalid TOML ({exc}); fix it before --to-config"
        ) from None
    declared = {
        (kind, name.lower()) for kind, table in TABLES.items() for name in existing.get(table, {})
    }
    new = tuple(c for c in components if (c.kind, c.name.lower()) not in declared)
    skipped = tuple(
        f"{c.kind} {c.name}" for c in components if (c.kind, c.name.lower()) in declared
    )
    converted = to_config(new)
    if not new:
        return converted, skipped
    header = "" if text else f'[project]\napi_version = "{api_version}"\n'
    separator = "\n" if text.endswith("\n") or not text else "\n\n"
    block = f"\n# Retrieved from {origin} by `apionly-deploy retrieve --to-config`.\n"
    write_atomic(project_file, (text + separator + header + block + converted.text).encode())
    return converted, skipped
