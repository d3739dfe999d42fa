"""Typed readers for values of the project file, each failing with one precise ConfigError."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apionly_deploy.project.config import SourceFile

KeyPath = Sequence[str]

_TYPE_NAMES = {
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    list: "a list",
}


def type_name(value: Any) -> str:
    """Return how an error message names the TOML type of ``value``."""
    return _TYPE_NAMES.get(type(value), "a table")


def read_str(
    src: SourceFile, path: KeyPath, table: Mapping[str, Any], key: str, *, non_empty: bool = False
) -> str | None:
    """Return ``table[key]`` as a string (None when absent); ``non_empty`` also strips it."""
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise src.error(
            (*path, key), f"must be a string, not {type_name(value)}", f'write {key} = "..."'
        )
    if non_empty:
        if not value.strip():
            raise src.error((*path, key), "must be a non-empty string", f'write {key} = "..."')
        return value.strip()
    return value


def read_bool(
    src: SourceFile, path: KeyPath, table: Mapping[str, Any], key: str, *, default: bool
) -> bool:
    """Return ``table[key]`` as a boolean, ``default`` when absent."""
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise src.error(
            (*path, key), f"must be true or false, not {type_name(value)}", f"write {key} = true"
        )
    return value


def read_names(src: SourceFile, path: KeyPath, table: Mapping[str, Any], key: str) -> list[str]:
    """Return ``table[key]`` as a list of distinct, non-empty names (empty when absent)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise src.error((*path, key), "must be a list of names", f'write {key} = ["Name"]')
    seen: set[str] = set()
    for item in value:
        if item in seen:
            raise src.error((*path, key), f"{item!r} is listed twice", "remove the duplicate")
        seen.add(item)
    return list(value)


def read_toggles(
    src: SourceFile, path: KeyPath, table: Mapping[str, Any], key: str
) -> dict[str, bool]:
    """Read ``table[key]`` as ``["A", "B"]`` (all on) or ``{ A = true, B = false }``."""
    value = table.get(key, [])
    if isinstance(value, Mapping):
        for name, on in value.items():
            if not isinstance(on, bool):
                raise src.error((*path, key, name), "must be true or false", f"write {name} = true")
        return dict(value)
    return dict.fromkeys(read_names(src, path, table, key), True)


def read_mapping(src: SourceFile, path: KeyPath, value: Any, example: str) -> Mapping[str, Any]:
    """Return ``value`` when it is a table, else fail showing ``example``."""
    if not isinstance(value, Mapping):
        raise src.error(path, f"must be a table, not {type_name(value)}", f"write {example}")
    return value
