"""Turn the project file's permission tables into model components.

The keys are short words a reviewer reads without the Salesforce docs open:
``objects = { Account = ["read", "edit"] }``, ``fields = { "Account.Industry" = "read" }``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from apionly_deploy.model import names
from apionly_deploy.model.components import (
    API_ENABLED,
    API_USER_ONLY,
    OBJECT_FLAGS,
    Access,
    Bundle,
    Component,
    FieldPermission,
    Kind,
    ObjectPermission,
    PermissionContainer,
    PermissionSetGroup,
    RecordTypeVisibility,
    TabSetting,
    UserPermission,
)
from apionly_deploy.project.config import (
    KIND_TABLES,
    TABLE_KINDS,
    Project,
    SourceFile,
    check_keys,
    did_you_mean,
)
from apionly_deploy.project.element_tables import element_keys, read_elements
from apionly_deploy.project.login_limits import login_hours, login_ip_ranges
from apionly_deploy.project.values import (
    read_bool,
    read_mapping,
    read_names,
    read_str,
    read_toggles,
    type_name,
)

Path_ = tuple[str, ...]

_COMMON_KEYS = (
    "description",
    "api_only",
    "user_permissions",
    "objects",
    "fields",
    "apex_classes",
    "pages",
    "custom_permissions",
    "tabs",
    "record_types",
)
PERMISSION_SET_KEYS = (
    "label",
    "license",
    "activation_required",
    *_COMMON_KEYS,
    *element_keys(Kind.PERMISSION_SET),
)
MUTING_KEYS = ("label", *_COMMON_KEYS, *element_keys(Kind.MUTING_PERMISSION_SET))
PROFILE_KEYS = (
    "user_license",
    "custom",
    "login_ip_ranges",
    "login_hours",
    *_COMMON_KEYS,
    *element_keys(Kind.PROFILE),
)
GROUP_KEYS = (
    "label",
    "description",
    "activation_required",
    "permission_sets",
    "muting_permission_sets",
    "status",
    "other",
)
DELETE_KEYS = tuple(KIND_TABLES.values())

#: Object words beyond the six flags: ``all`` (the six), ``none``, and the flags written only
#: when set: ``view_all_fields`` (API 63.0 on) and the setup-object flags.
OBJECT_WORDS = {*OBJECT_FLAGS, "all"}
EXTRA_OBJECT_WORDS = ("view_all_fields", "customize_setup", "delete_setup", "view_setup")
FIELD_WORDS = {"read": (True, False), "edit": (True, True), "none": (False, False)}
PS_TABS = {"available": "Available", "visible": "Visible", "none": "None"}
PROFILE_TABS = {"default_on": "DefaultOn", "default_off": "DefaultOff", "hidden": "Hidden"}
RECORD_TYPE_WORDS = ("visible", "default", "hidden", "person_account_default")


def build_bundle(project: Project) -> Bundle:
    """Return every component the project declares, plus its deletions."""
    src = project.source
    components: list[Component] = []
    for name, table in _tables(src, project, "permission_sets"):
        components.append(_permission_set(src, name, table))
    for name, table in _tables(src, project, "muting_permission_sets"):
        components.append(_muting_set(src, name, table))
    for name, table in _tables(src, project, "profiles"):
        components.append(_profile(src, name, table))
    for name, table in _tables(src, project, "permission_set_groups"):
        components.append(_group(src, name, table))
    if not components:
        raise src.error(
            (),
            "the project declares no permission sets, muting permission sets, profiles or "
            "permission set groups",
            'add a [permission_sets.NAME] or [profiles."NAME"] table (see `apionly-deploy init`)',
        )
    deletions = _deletions(src, project.table("delete"))
    _check_unique(src, components, deletions)
    return Bundle(
        api_version=project.api_version,
        components=tuple(components),
        deletions=deletions,
    )


def _check_unique(
    src: SourceFile, components: Sequence[Component], deletions: Sequence[tuple[Kind, str]]
) -> None:
    """Salesforce names are case-insensitive: ``ERP_Sync`` and ``erp_sync`` are one component."""
    seen: dict[tuple[Kind, str], str] = {}
    for component in components:
        key = (component.kind, component.name.lower())
        if key in seen:
            raise src.error(
                (KIND_TABLES[component.kind], component.name),
                f"duplicate name: {seen[key]!r} is already declared (Salesforce names ignore case)",
                "rename or merge one of them",
            )
        seen[key] = component.name
    for kind, name in deletions:
        if (kind, name.lower()) in seen:
            raise src.error(
                ("delete", KIND_TABLES[kind]),
                f"{name!r} is both declared and listed for deletion",
                "remove it from one of the two",
            )


def _tables(src: SourceFile, project: Project, key: str) -> list[tuple[str, Mapping[str, Any]]]:
    found = []
    for name, table in project.table(key).items():
        if not isinstance(table, Mapping):
            raise src.error((key, name), "must be a table", f'write it as [{key}."{name}"]')
        profile = key == "profiles"
        problem = names.profile_name_problem(name) if profile else names.api_name_problem(name)
        if problem:
            shown = name if len(name) <= 60 else f"{name[:40]}..."
            raise src.error(
                (key, name),
                f"name {shown!r} {problem}",
                "rename it" if profile else "rename it (API names look like ERP_Integration)",
            )
        found.append((name, table))
    return found


def _permission_set(src: SourceFile, name: str, t: Mapping[str, Any]) -> PermissionContainer:
    path = ("permission_sets", name)
    check_keys(src, path, t, PERMISSION_SET_KEYS)
    return _set(
        src,
        name,
        t,
        Kind.PERMISSION_SET,
        license=read_str(src, path, t, "license"),
        has_activation_required=read_bool(src, path, t, "activation_required", default=False),
    )


def _muting_set(src: SourceFile, name: str, t: Mapping[str, Any]) -> PermissionContainer:
    """A muting permission set: declared like a permission set; what it grants, it mutes."""
    check_keys(src, ("muting_permission_sets", name), t, MUTING_KEYS)
    return _set(src, name, t, Kind.MUTING_PERMISSION_SET)


def _set(
    src: SourceFile, name: str, t: Mapping[str, Any], kind: Kind, **head: Any
) -> PermissionContainer:
    path = (KIND_TABLES[kind], name)
    return PermissionContainer(
        kind=kind,
        name=name,
        source=str(src.path),
        label=read_str(src, path, t, "label") or name.replace("_", " "),
        tabs=_tabs(src, path, t, PS_TABS),
        extras=read_elements(src, path, t, kind),
        **head,
        **_common(src, path, t, profile=False),
    )


def _profile(src: SourceFile, name: str, t: Mapping[str, Any]) -> PermissionContainer:
    path = ("profiles", name)
    check_keys(src, path, t, PROFILE_KEYS)
    return PermissionContainer(
        kind=Kind.PROFILE,
        name=name,
        source=str(src.path),
        user_license=read_str(src, path, t, "user_license"),
        custom=_optional_bool(src, path, t, "custom"),
        login_ip_ranges=login_ip_ranges(src, path, t.get("login_ip_ranges", [])),
        login_hours=login_hours(src, (*path, "login_hours"), t.get("login_hours")),
        tabs=_tabs(src, path, t, PROFILE_TABS),
        extras=read_elements(src, path, t, Kind.PROFILE),
        **_common(src, path, t, profile=True),
    )


def _group(src: SourceFile, name: str, t: Mapping[str, Any]) -> PermissionSetGroup:
    path = ("permission_set_groups", name)
    check_keys(src, path, t, GROUP_KEYS)
    return PermissionSetGroup(
        name=name,
        source=str(src.path),
        has_activation_required=read_bool(src, path, t, "activation_required", default=False),
        label=read_str(src, path, t, "label") or name.replace("_", " "),
        description=read_str(src, path, t, "description"),
        permission_sets=tuple(sorted(set(read_names(src, path, t, "permission_sets")))),
        muting_permission_sets=tuple(
            sorted(set(read_names(src, path, t, "muting_permission_sets")))
        ),
        status=read_str(src, path, t, "status"),
        extras=read_elements(src, path, t, Kind.PERMISSION_SET_GROUP),
    )


def _optional_bool(src: SourceFile, path: Path_, t: Mapping[str, Any], key: str) -> bool | None:
    """Return ``t[key]`` as a boolean, or None (not written) when absent."""
    return read_bool(src, path, t, key, default=False) if key in t else None


def _common(src: SourceFile, path: Path_, t: Mapping[str, Any], *, profile: bool) -> dict[str, Any]:
    perms = read_toggles(src, path, t, "user_permissions")
    if read_bool(src, path, t, "api_only", default=False):
        perms.setdefault(API_USER_ONLY, True)
        perms.setdefault(API_ENABLED, True)
    return {
        "description": read_str(src, path, t, "description"),
        "user_permissions": tuple(
            UserPermission(n, on, line=src.line((*path, "user_permissions", n)))
            for n, on in sorted(perms.items())
        ),
        "object_permissions": _objects(src, (*path, "objects"), t.get("objects", {})),
        "field_permissions": _fields(src, (*path, "fields"), t.get("fields", {})),
        "class_accesses": _accesses(src, path, t, "apex_classes"),
        "page_accesses": _accesses(src, path, t, "pages"),
        "custom_permissions": _accesses(src, path, t, "custom_permissions"),
        "record_types": _record_types(
            src, (*path, "record_types"), t.get("record_types", {}), profile
        ),
    }


def _accesses(src: SourceFile, path: Path_, t: Mapping[str, Any], key: str) -> tuple[Access, ...]:
    return tuple(
        Access(n, on, line=src.line((*path, key, n)))
        for n, on in sorted(read_toggles(src, path, t, key).items())
    )


def _words(src: SourceFile, path: Path_, value: Any, allowed: Sequence[str]) -> list[str]:
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise src.error(path, "must be a word or a list of words", f"use: {', '.join(allowed)}")
    for word in words:
        if word not in allowed:
            raise src.error(
                path,
                f"unknown permission word {word!r}{did_you_mean(word, allowed)}",
                f"use: {', '.join(allowed)}",
            )
    return words


def _one_word(src: SourceFile, path: Path_, value: Any, allowed: Iterable[str]) -> str:
    words = list(allowed)
    if not isinstance(value, str):
        raise src.error(
            path, f"must be one word, not {type_name(value)}", f"use one of: {', '.join(words)}"
        )
    return _words(src, path, value, words)[0]


def _objects(src: SourceFile, path: Path_, value: Any) -> tuple[ObjectPermission, ...]:
    table = read_mapping(src, path, value, 'objects = { Account = ["read", "edit"] }')
    allowed = [*OBJECT_FLAGS, "all", "none", *EXTRA_OBJECT_WORDS]
    result = []
    for obj, spec in sorted(table.items()):
        words = set(_words(src, (*path, obj), spec, allowed))
        flags = set(OBJECT_FLAGS) if "all" in words else words - {"none"}
        line = src.line((*path, obj))
        optional: dict[str, Any] = {w: True if w in words else None for w in EXTRA_OBJECT_WORDS}
        optional.update({f: f in flags for f in OBJECT_FLAGS})
        result.append(ObjectPermission(obj, line=line, **optional))
    return tuple(result)


def _fields(src: SourceFile, path: Path_, value: Any) -> tuple[FieldPermission, ...]:
    table = read_mapping(src, path, value, 'fields = { "Account.Industry" = "read" }')
    items = sorted(table.items())
    # Each key's own line, else its table's: what src.line gives, looked up in one go.
    lines = src.lines.lines_under(path, [name for name, _ in items])
    result = []
    for (name, spec), line in zip(items, lines, strict=True):
        # Exactly one dot, neither first nor last: "Object.Field".
        if name.count(".") != 1 or name[0] == "." or name[-1] == ".":
            raise src.error(
                (*path, name), "a field is named Object.Field", 'e.g. "Account.Industry"'
            )
        word = spec if isinstance(spec, str) and spec in FIELD_WORDS else None
        readable, editable = FIELD_WORDS[word or _one_word(src, (*path, name), spec, FIELD_WORDS)]
        line = line or src.line((*path, name))
        result.append(FieldPermission(name, readable, editable, line))
    return tuple(result)


def _tabs(
    src: SourceFile, path: Path_, t: Mapping[str, Any], words: Mapping[str, str]
) -> tuple[TabSetting, ...]:
    table = read_mapping(src, (*path, "tabs"), t.get("tabs", {}), 'tabs = { Account = "..." }')
    result = []
    for tab, spec in sorted(table.items()):
        word = _one_word(src, (*path, "tabs", tab), spec, words)
        result.append(TabSetting(tab, words[word], line=src.line((*path, "tabs", tab))))
    return tuple(result)


def _record_types(
    src: SourceFile, path: Path_, value: Any, profile: bool
) -> tuple[RecordTypeVisibility, ...]:
    table = read_mapping(src, path, value, 'record_types = { "Account.Partner" = "visible" }')
    result = []
    for name, spec in sorted(table.items()):
        words = _words(src, (*path, name), spec, RECORD_TYPE_WORDS)
        if "default" in words and not profile:
            raise src.error(
                (*path, name),
                "a permission set cannot set a default record type",
                'use "visible" (defaults live on profiles)',
            )
        if "person_account_default" in words and not profile:
            raise src.error(
                (*path, name),
                "a permission set cannot set a default record type",
                'use "visible" (defaults live on profiles)',
            )
        visible = "hidden" not in words
        default = ("default" in words) if profile else None
        person = True if "person_account_default" in words else None
        line = src.line((*path, name))
        result.append(
            RecordTypeVisibility(
                name, visible=visible, default=default, person_account_default=person, line=line
            )
        )
    return tuple(result)


def _deletions(src: SourceFile, table: Mapping[str, Any]) -> tuple[tuple[Kind, str], ...]:
    check_keys(src, ("delete",), table, DELETE_KEYS)
    found: list[tuple[Kind, str]] = []
    for key, kind in TABLE_KINDS.items():
        found += [(kind, n) for n in read_names(src, ("delete",), table, key)]
    return tuple(sorted(found))
