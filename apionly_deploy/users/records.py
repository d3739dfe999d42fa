"""Rows the org answers to a query, checked for the shape Salesforce gives them.

Salesforce answers every selected field of every row (null when empty). A broken or hostile
org could answer rows without ``Id`` or with a list where a name belongs; such an answer is one
RemoteError naming the object and field, never a KeyError deep in planning.
"""

from __future__ import annotations

import re
from typing import Any

from apionly_deploy.errors import ServerError
from apionly_deploy.model.text import one_line
from apionly_deploy.salesforce.rest_api import Record, RestClient

_SELECT = re.compile(r"SELECT\s+(.+?)\s+FROM\s+(\w+)", re.IGNORECASE | re.DOTALL)


def query(client: RestClient, soql: str) -> list[Record]:
    """Run ``soql`` (a plain ``SELECT fields FROM object``) and check every row's fields."""
    match = _SELECT.match(soql)
    if match is None:  # pragma: no cover - the tool's own queries all match
        raise ValueError(f"not a plain SELECT: {soql}")
    fields = [f.strip() for f in match.group(1).split(",")]
    rows = client.query(soql)
    for row in rows:
        for name in fields:
            if name not in row or not _fits(name, row[name]):
                shown = "missing" if name not in row else one_line(repr(row[name]))[:60]
                raise ServerError(
                    f"the org answered a malformed {match.group(2)} record ({name}: {shown}); "
                    "check that the instance URL is a Salesforce org"
                )
    return rows


def _fits(name: str, value: Any) -> bool:
    """Return True when ``value`` has the type Salesforce gives field ``name``."""
    if name == "Id":
        return isinstance(value, str) and bool(value)
    if value is None:
        return True
    if name.startswith(("Total", "Used")):
        return isinstance(value, int) and not isinstance(value, bool)
    if name.startswith(("Is", "Permissions")):
        return isinstance(value, bool)
    return isinstance(value, str)
