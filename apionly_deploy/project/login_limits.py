"""A profile's login limits in the project file: IP ranges and login hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apionly_deploy.model.components import LoginHours, LoginIpRange
from apionly_deploy.project.config import SourceFile, check_keys
from apionly_deploy.project.values import KeyPath, read_mapping, read_str

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def login_ip_ranges(src: SourceFile, path: KeyPath, value: Any) -> tuple[LoginIpRange, ...]:
    key_path = (*path, "login_ip_ranges")
    if not isinstance(value, list):
        raise src.error(
            key_path,
            "must be a list of tables",
            'write login_ip_ranges = [{ start = "203.0.113.0", end = "203.0.113.255" }]',
        )
    result = []
    for index, item in enumerate(value):
        item_path = (*key_path, str(index))
        if not isinstance(item, Mapping):
            raise src.error(
                key_path, f"entry {index + 1} must be a table", "write { start = ..., end = ... }"
            )
        check_keys(src, key_path, item, ("start", "end", "description"))
        start, end = _ip(src, key_path, item, "start"), _ip(src, key_path, item, "end")
        if _ip_key(start) > _ip_key(end):
            raise src.error(
                key_path, f"entry {index + 1}: start {start} is after end {end}", "swap them"
            )
        description = read_str(src, item_path, item, "description")
        result.append(LoginIpRange(start, end, description, line=src.line(key_path)))
    return tuple(sorted(result, key=lambda r: (_ip_key(r.start), _ip_key(r.end))))


def _ip(src: SourceFile, path: KeyPath, item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or _ip_key(value) < 0:
        raise src.error(
            path, f"{key} {value!r} is not an IPv4 address", f'write {key} = "203.0.113.10"'
        )
    return value


def _ip_key(address: str) -> int:
    parts = address.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) <= 255 for p in parts):
        return -1
    return int.from_bytes(bytes(int(p) for p in parts), "big")


def login_hours(src: SourceFile, path: KeyPath, value: Any) -> LoginHours | None:
    if value is None:
        return None
    table = read_mapping(src, path, value, 'login_hours = { monday = "08:00-18:00" }')
    check_keys(src, path, table, DAYS)
    hours: list[tuple[str, str]] = []
    for day, spec in table.items():
        span = _minutes_span(spec)
        if span is None:
            raise src.error((*path, day), f"{spec!r} is not a time span", 'write "08:00-18:00"')
        hours += [(f"{day}End", str(span[1])), (f"{day}Start", str(span[0]))]
    return LoginHours(hours=tuple(sorted(hours)), line=src.line(path))


def _minutes_span(spec: Any) -> tuple[int, int] | None:
    if not isinstance(spec, str) or spec.count("-") != 1:
        return None
    minutes: list[int] = []
    for part in spec.split("-"):
        hh, _, mm = part.strip().partition(":")
        if not (hh.isdigit() and mm.isdigit() and int(mm) < 60):
            return None
        minutes.append(int(hh) * 60 + int(mm))
    start, end = minutes
    return (start, end) if 0 <= start < end <= 1440 else None
