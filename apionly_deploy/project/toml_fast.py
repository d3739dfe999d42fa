"""A quicker ``tomllib.loads`` for project files with big one-line tables of plain strings.

A large org's project file is mostly lines like
``fields = { "Account.Industry" = "read", "Account.Phone" = "edit", ... }``: tomllib's pure-Python
parser spends most of its time on them (a 3.5 MB file takes about a second). Lines of exactly
that shape (a bare key, then an inline table whose keys and values are all basic strings without
escapes, or bare keys) are read here with one regular expression; tomllib parses the rest of the
file with those tables replaced by a placeholder string, and the tables are put back.

The result is the same as ``tomllib.loads(text)`` or the fast path is not taken:
- files holding multi-line strings are left to tomllib alone (a line inside one is not a key);
- a table with a repeated key, or any TOML error with the placeholders in, re-parses the
  original text with tomllib, so errors and their messages are tomllib's own.
"""

from __future__ import annotations

import os
import re
import tomllib
from typing import Any

#: A basic string with no escapes (TOML forbids raw control characters other than tab in it).
_STRING = r'"[^"\\\x00-\x08\x0a-\x1f\x7f]*"'
_BARE = r"[A-Za-z0-9_-]+"
_PAIR = rf"(?:{_STRING}|{_BARE})[ \t]*=[ \t]*{_STRING}"
_BODY = rf"(?:{_PAIR}[ \t]*,[ \t]*)*{_PAIR}"
_LINE = re.compile(
    rf"^([ \t]*{_BARE}[ \t]*=[ \t]*)\{{[ \t]*({_BODY})[ \t]*\}}[ \t]*(\r?)$", re.MULTILINE
)
_PAIRS = re.compile(rf'(?:"([^"]*)"|({_BARE}))[ \t]*=[ \t]*"([^"]*)"')
#: Below this size tomllib is quick enough and the fast path is not worth it.
MIN_FAST_BYTES = 64 * 1024


class _Fallback(Exception):
    """The fast path cannot promise tomllib's result: parse the original text."""


def loads(text: str) -> dict[str, Any]:
    """Return ``tomllib.loads(text)``; raise tomllib.TOMLDecodeError exactly as it does."""
    if len(text) < MIN_FAST_BYTES or '"""' in text or "'''" in text:
        return tomllib.loads(text)
    try:
        return _fast_loads(text)
    except (_Fallback, tomllib.TOMLDecodeError):
        return tomllib.loads(text)


def _fast_loads(text: str) -> dict[str, Any]:
    token = f"apionly-inline-{os.urandom(8).hex()}-"  # not `secrets`: 25 ms of start-up
    if token in text:
        raise _Fallback
    tables: dict[str, dict[str, str]] = {}

    def swap(match: re.Match[str]) -> str:
        placeholder = f"{token}{len(tables)}"
        tables[placeholder] = _pairs(match.group(2))
        return f'{match.group(1)}"{placeholder}"{match.group(3)}'

    data = tomllib.loads(_LINE.sub(swap, text))
    if tables:
        _put_back(data, tables)
        if tables:  # a placeholder was not found where a value sits: be safe
            raise _Fallback
    return data


def _pairs(body: str) -> dict[str, str]:
    found = _PAIRS.findall(body)
    table = {quoted or bare: value for quoted, bare, value in found}
    if len(table) != len(found):
        raise _Fallback  # a repeated key: tomllib reports it
    return table


def _put_back(value: Any, tables: dict[str, dict[str, str]]) -> None:
    """Replace placeholder strings by their tables, in place; found ones leave ``tables``."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            if item in tables:
                value[key] = tables.pop(item)
        elif isinstance(item, dict | list):
            _put_back(item, tables)
