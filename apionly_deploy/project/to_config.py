"""Turn components (retrieved, or files given to ``import``) into ``apionly.toml`` tables.

Loading the tables and rendering them gives every entry and value back (order, whitespace and
``True``/``true`` aside). Elements the project file has no short key for go under ``other``, as
the XML has them; what no key can hold exactly is refused by name (``NotRepresentable``, exit 1)
rather than written as a file whose next deploy would revoke it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apionly_deploy.errors import ConfigError, ContentError
from apionly_deploy.fileio import read_limited, write_atomic
from apionly_deploy.model.components import (
    API_ENABLED,
    API_USER_ONLY,
    OBJECT_FLAGS,
    Access,
    Component,
    FieldPermission,
    Kind,
    ObjectPermission,
    PermissionContainer,
    PermissionSetGroup,
    RecordTypeVisibility,
)
from apionly_deploy.model.elements import OTHER_KEY
from apionly_deploy.project.config import KIND_TABLES, MAX_PROJECT_BYTES
from apionly_deploy.project.declarations import EXTRA_OBJECT_WORDS, PROFILE_TABS, PS_TABS
from apionly_deploy.project.element_tables import Unrepresentable, write_elements
from apionly_deploy.project.login_limits import DAYS

#: Tab visibility -> project word: the reverse of the words the project file reads.
_PS_TABS = {value: word for word, value in PS_TABS.items()}
_PROFILE_TABS = {value: word for word, value in PROFILE_TABS.items()}


class NotRepresentable(ContentError):
    """A component holds something no project-file key can hold exactly."""


@dataclass(frozen=True, slots=True)
class Converted:
    """TOML text for some components, and the elements kept verbatim under ``other``."""

    text: str
    verbatim: tuple[str, ...]


def key(name: str) -> str:
    """Return a TOML key: bare when it can be, quoted otherwise."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _quoted(name)


def string(text: str) -> str:
    """Return a TOML string value that loads back as ``text`` through the project loader:
    ``${`` is written ``$${`` so it is not read as a variable."""
    return _quoted(text.replace("${", "$${"))


def _quoted(text: str) -> str:
    """Return a TOML basic string: any Unicode as itself (JSON's surrogate-pair escapes are
    not TOML), control characters as escapes."""
    escaped = json.dumps(text, ensure_ascii=False)
    return escaped.replace("\x7f", "\\u007F")  # DEL: JSON leaves it raw, TOML does not


def value(item: object) -> str:
    """Return a TOML value for a string, bool, list or dict of those."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return string(item)
    if isinstance(item, list):
        return "[" + ", ".join(value(i) for i in item) + "]"
    if isinstance(item, dict):
        if not item:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    raise TypeError(f"cannot write {type(item).__name__} as TOML")


def to_config(components: Iterable[Component]) -> Converted:
    """Return the project-file tables for ``components``, sorted by kind and name.

    Raises NotRepresentable naming the component and element no key can hold exactly.
    """
    blocks, verbatim = [], []
    for component in sorted(components, key=lambda c: (c.kind, c.name)):
        try:
            entries = (
                _group(component)
                if isinstance(component, PermissionSetGroup)
                else _container(component)
            )
            entries.update(write_elements(component.extras, component.kind))
        except Unrepresentable as exc:
            raise NotRepresentable(
                f"{component.source or component.name}: {component.kind} {component.name}: "
                f"{exc}; the project file cannot hold it exactly, so nothing was written"
            ) from None
        header = f"{KIND_TABLES[component.kind]}.{key(component.name)}"
        written = {k: v for k, v in entries.items() if _written(k, v)}
        blocks.append("\n".join(table_lines(header, written)))
        other = entries.get(OTHER_KEY)
        if isinstance(other, dict):
            verbatim += [f"{component.kind} {component.name}: {tag}" for tag in other]
    text = "\n\n".join(blocks) + ("\n" if blocks else "")
    return Converted(text=text, verbatim=tuple(verbatim))


#: Past this width a table is written as a sub-table and a list one item a line, so that a
#: review shows one changed entry as one changed line.
WIDTH = 100


def table_lines(header: str, entries: dict[str, object]) -> list[str]:
    """Return a table's lines: short values inline, long tables as sub-tables after them."""
    lines = [f"[{header}]"]
    later: list[tuple[str, dict[str, object]]] = []
    for name, item in entries.items():
        line = f"{key(name)} = {value(item)}"
        if len(line) <= WIDTH or not isinstance(item, dict | list):
            lines.append(line)
        elif isinstance(item, list):
            lines += [f"{key(name)} = [", *(f"    {value(i)}," for i in item), "]"]
        else:
            later.append((f"{header}.{key(name)}", item))
    for sub_header, table in later:
        lines += ["", *table_lines(sub_header, table)]
    return lines


def _written(name: str, item: object) -> bool:
    """Tell whether a key is written: not when absent or empty, but an empty ``login_hours``
    (``<loginHours/>``, no login at any time) is written, since it differs from none."""
    return item is not None and (item not in ([], {}) or name == "login_hours")


def _group(group: PermissionSetGroup) -> dict[str, object]:
    return {
        "label": group.label,
        "description": group.description,
        "activation_required": True if group.has_activation_required else None,
        "permission_sets": list(group.permission_sets),
        "muting_permission_sets": list(group.muting_permission_sets),
        "status": group.status,
    }


def _container(c: PermissionContainer) -> dict[str, object]:
    profile = c.kind is Kind.PROFILE
    perms = {p.name: p.enabled for p in c.user_permissions}
    api_only = perms.get(API_USER_ONLY) is True and perms.get(API_ENABLED) is True
    if api_only:
        perms.pop(API_USER_ONLY)
        perms.pop(API_ENABLED)
    head: dict[str, object]
    if profile:
        head = {"user_license": c.user_license, "custom": c.custom}
    elif c.kind is Kind.MUTING_PERMISSION_SET:
        head = {"label": c.label}
    else:
        head = {
            "label": c.label,
            "license": c.license,
            "activation_required": True if c.has_activation_required else None,
        }
    tabs = _PROFILE_TABS if profile else _PS_TABS
    body: dict[str, object] = {
        "description": c.description,
        "api_only": True if api_only else None,
        "user_permissions": _toggles(perms),
        "objects": {o.object: _object_words(o) for o in c.object_permissions},
        "fields": {f.field: _field_word(f) for f in c.field_permissions},
        "apex_classes": _toggles(_access(c.class_accesses)),
        "pages": _toggles(_access(c.page_accesses)),
        "custom_permissions": _toggles(_access(c.custom_permissions)),
        "tabs": {t.tab: _word(tabs, t.visibility, f"tab {t.tab}") for t in c.tabs},
        "record_types": {r.record_type: _record_type_words(r) for r in c.record_types},
    }
    if profile:
        body["login_ip_ranges"] = [
            _ip_range(r.start, r.end, r.description) for r in c.login_ip_ranges
        ]
        body["login_hours"] = _hours(c.login_hours.hours) if c.login_hours else None
    return {**head, **body}


def _word(words: dict[str, str], text: str, what: str) -> str:
    if text not in words:
        raise Unrepresentable(f"{what}: visibility {text!r} has no project-file word")
    return words[text]


def _field_word(f: FieldPermission) -> str:
    if f.editable and not f.readable:
        raise Unrepresentable(f"field {f.field} is editable but not readable")
    return "edit" if f.editable else "read" if f.readable else "none"


def _access(entries: Sequence[Access]) -> dict[str, bool]:
    return {a.name: a.enabled for a in entries}


def _toggles(flags: dict[str, bool]) -> object:
    """``["A", "B"]`` when all are on, ``{ A = true, B = false }`` otherwise."""
    ordered = dict(sorted(flags.items()))
    return list(ordered) if all(ordered.values()) else ordered


def _object_words(o: ObjectPermission) -> object:
    granted = o.granted()
    extra = [word for word in EXTRA_OBJECT_WORDS if getattr(o, word)]
    if set(granted) == set(OBJECT_FLAGS):
        return ["all", *extra] if extra else "all"
    return [*granted, *extra] or ["none"]


def _record_type_words(r: RecordTypeVisibility) -> object:
    words = ["visible" if r.visible else "hidden"]
    if r.default:
        words.append("default")
    if r.person_account_default:
        words.append("person_account_default")
    return words[0] if len(words) == 1 else words


def _ip_range(start: str, end: str, description: str | None) -> dict[str, str]:
    item = {"start": start, "end": end}
    if description:
        item["description"] = description
    return item


def _hours(hours: Sequence[tuple[str, str]]) -> dict[str, str]:
    values = dict(hours)
    spans = {}
    for day in DAYS:
        start, end = values.pop(f"{day}Start", None), values.pop(f"{day}End", None)
        if start is None and end is None:
            continue
        if start is None or end is None or not (start.isdigit() and end.isdigit()):
            raise Unrepresentable(f"loginHours: {day} needs a start and an end in minutes")
        spans[day] = f"{_clock(int(start))}-{_clock(int(end))}"
    if values or len(hours) != 2 * len(spans):
        raise Unrepresentable(f"loginHours: {', '.join(sorted(values)) or 'a repeated day'}")
    return spans


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def add_to_project(
    project_file: Path, components: tuple[Component, ...], *, api_version: str, origin: str
) -> tuple[Converted, tuple[str, ...]]:
    """Append tables for ``components`` the project does not declare yet; return them and skips.

    The file is appended to, never rewritten: its comments and order stay as they are.
    """
    text, existing = read_project_text(project_file, before="--to-config")
    declared = {
        (kind, name.lower())
        for kind, table in KIND_TABLES.items()
        for name in existing.get(table, {})
    }
    new = tuple(c for c in components if (c.kind, c.name.lower()) not in declared)
    skipped = tuple(
        f"{c.kind} {c.name}" for c in components if (c.kind, c.name.lower()) in declared
    )
    converted = to_config(new)
    if not new:
        return converted, skipped
    note = f"Retrieved from {origin} by `apionly-deploy retrieve --to-config`."
    appended = append_tables(text, converted.text, api_version=api_version, note=note)
    write_atomic(project_file, appended.encode("utf-8"))
    return converted, skipped


def read_project_text(project_file: Path, *, before: str) -> tuple[str, dict[str, Any]]:
    """Return the project file's text (empty when there is none) and its tables; raise
    ConfigError naming the file when it cannot be read or is not TOML (fix it ``before``)."""
    if not project_file.exists():
        return "", {}
    try:
        text = read_limited(project_file, MAX_PROJECT_BYTES).decode("utf-8")
        return text, tomllib.loads(text)
    except OSError as exc:
        raise ConfigError(f"{project_file}: cannot read the project file: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{project_file}: invalid TOML ({exc}); fix it before {before}") from None


def append_tables(text: str, tables: str, *, api_version: str, note: str) -> str:
    """Return the project file ``text`` with ``tables`` appended under a ``# note`` comment
    (and a ``[project]`` table first when the file is empty); nothing before them changes."""
    header = "" if text.strip() else f'[project]\napi_version = "{api_version}"\n'
    separator = "" if not text or text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
    return f"{text}{separator}{header}\n# {note}\n{tables}"
