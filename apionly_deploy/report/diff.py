"""A rated comparison as text (for a terminal), Markdown (a pull-request comment) or JSON.

Pure functions: the caller decides on colour and where the output goes. Within a component,
changes are listed highest risk first, then in category and key order.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from typing import Any

from apionly_deploy.model.components import Kind
from apionly_deploy.review.audience import Audience
from apionly_deploy.review.diff import Category, Change, Comparison, Risk, Subject, sort_key

#: The JSON document's schema id; bump the number on any incompatible change.
JSON_SCHEMA = "apionly-deploy/diff/1"

CATEGORY_LABELS = {
    Category.COMPONENT: "component",
    Category.LICENSE: "license",
    Category.USER_PERMISSION: "user permission",
    Category.OBJECT: "object",
    Category.FIELD: "field",
    Category.APEX_CLASS: "Apex class",
    Category.PAGE: "Visualforce page",
    Category.CUSTOM_PERMISSION: "custom permission",
    Category.TAB: "tab",
    Category.RECORD_TYPE: "record type",
    Category.LOGIN_IP_RANGE: "login IP range",
    Category.LOGIN_HOURS: "login hours",
    Category.APP: "app",
    Category.FLOW: "flow",
    Category.CUSTOM_METADATA_TYPE: "custom metadata type",
    Category.CUSTOM_SETTING: "custom setting",
    Category.EXTERNAL_CREDENTIAL_PRINCIPAL: "external credential principal",
    Category.EXTERNAL_DATA_SOURCE: "external data source",
    Category.AGENT: "agent",
    Category.EMAIL_ROUTING_ADDRESS: "email routing address",
    Category.SERVICE_PRESENCE_STATUS: "service presence status",
    Category.COMPUTING_SUMMARY: "computing summary",
    Category.DATASPACE_SCOPE: "dataspace scope",
    Category.LAYOUT: "layout",
    Category.LOGIN_FLOW: "login flow",
    Category.ACTION_OVERRIDE: "action override",
    Category.CATEGORY_GROUP: "data category group",
    Category.GROUP_MEMBERSHIP: "permission set in group",
    Category.GROUP_MUTING: "muting set in group",
    Category.SETTING: "setting",
    Category.OTHER: "other",
    Category.TEMPLATE: "template",
}
_RISKS = (Risk.HIGH, Risk.MEDIUM, Risk.LOW)
_COLORS = {Risk.HIGH: "\x1b[1;31m", Risk.MEDIUM: "\x1b[33m", Risk.LOW: "\x1b[2m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_MARKERS = {Risk.HIGH: "🔴 high", Risk.MEDIUM: "🟠 medium", Risk.LOW: "⚪ low"}


def _risk(change: Change) -> Risk:
    return change.risk or Risk.LOW


def _review_order(change: Change) -> tuple[int, tuple[str, str, int, str]]:
    return (-_risk(change).rank, sort_key(change))


def _audience(comparison: Comparison, kind: Subject, name: str) -> Audience | None:
    return comparison.audiences.get((kind, name)) if isinstance(kind, Kind) else None


def by_component(changes: Sequence[Change]) -> Iterator[tuple[Subject, str, list[Change]]]:
    """Yield (kind, name, changes in review order) per component, in kind then name order."""
    ordered = sorted(changes, key=lambda c: (c.kind.value, c.component))
    for (kind, name), group in groupby(ordered, key=lambda c: (c.kind, c.component)):
        yield kind, name, sorted(group, key=_review_order)


def tally(changes: Sequence[Change]) -> dict[Risk, int]:
    """Return how many changes there are at each risk, high first."""
    counts = dict.fromkeys(_RISKS, 0)
    for change in changes:
        counts[_risk(change)] += 1
    return counts


def _tally_text(changes: Sequence[Change]) -> str:
    counts = tally(changes)
    return ", ".join(f"{counts[risk]} {risk}" for risk in _RISKS)


def transition(change: Change, *, arrow: str = "->") -> str:
    """Return ``before -> after``; a side that is not in the file shows as ``(none)``."""
    if change.before is None and change.after is None:
        return ""
    return f"{change.before or '(none)'} {arrow} {change.after or '(none)'}"


# -- text ------------------------------------------------------------------------------------


def format_text(comparison: Comparison, *, color: bool = False) -> str:
    """Return the comparison for a terminal; ``color`` adds ANSI colours."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines = [f"Permission diff: {comparison.base} -> {comparison.head}"]
    lines += [f"note: {note}" for note in comparison.notes]
    if not comparison.changes:
        return "\n".join([*lines, "", "No permission changes."]) + "\n"
    for kind, name, changes in by_component(comparison.changes):
        lines += ["", paint(_BOLD, f"{kind} {name}") + f"  ({_tally_text(changes)})"]
        reach = reaches(_audience(comparison, kind, name))
        if reach:
            lines.append(paint(_DIM, f"  reaches {reach}"))
        for change in changes:
            risk = _risk(change)
            label = CATEGORY_LABELS[change.category]
            lines.append(
                f"  {paint(_COLORS[risk], f'{risk.upper():<6}')}  {label}: {change.key}"
                f"  {change.action}  {transition(change)}".rstrip()
            )
            if change.reason:
                lines.append(paint(_DIM, f"          why: {change.reason}"))
            if change.note:
                lines.append(paint(_DIM, f"          note: {change.note}"))
    total = len(comparison.changes)
    lines += ["", f"{total} change(s): {_tally_text(comparison.changes)}"]
    return "\n".join(lines) + "\n"


# -- Markdown --------------------------------------------------------------------------------


def reaches(audience: Audience | None, code: Callable[[str], str] = str) -> str:
    """Return ``users a, b; groups G`` for an audience (each name through ``code``), or ""."""
    if audience is None:
        return ""
    parts = []
    if audience.users:
        parts.append("users " + ", ".join(code(u) for u in audience.users))
    if audience.groups:
        parts.append("groups " + ", ".join(code(g) for g in audience.groups))
    return "; ".join(parts)


#: Text from a pull request or an org is posted as a PR comment: a backslash before Markdown's
#: link and image brackets makes ``![x](https://...)`` inert text, and ``<img`` is HTML-escaped.
_INERT = str.maketrans({"\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "\n": " ", "\r": " "})
#: An ``@`` that could start a mention (not after a letter or digit, as in an email address):
#: a zero-width joiner after it keeps ``@team`` from notifying anyone (issue 16).
_MENTION = re.compile(r"(?<![A-Za-z0-9])@")


def _cell(text: str) -> str:
    return _MENTION.sub("@\u200d", html.escape(text, quote=False).translate(_INERT))


def _code(text: str) -> str:
    return f"<code>{_cell(text)}</code>"


def format_markdown(comparison: Comparison, *, max_rows: int = 200) -> str:
    """Return the comparison as a pull-request comment: a summary table, then details.

    ``max_rows`` caps the detail rows per component (highest risks come first), so a huge
    change stays under GitHub's comment size limit.
    """
    lines = [
        "## Permission changes",
        "",
        f"{_code(comparison.base)} → {_code(comparison.head)}",
        "",
    ]
    lines += [f"> **Note:** {_cell(note)}" for note in comparison.notes]
    if comparison.notes:
        lines.append("")
    if not comparison.changes:
        return "\n".join([*lines, "No permission changes."]) + "\n"
    counts = tally(comparison.changes)
    lines += [
        f"**{counts[Risk.HIGH]} high**, {counts[Risk.MEDIUM]} medium, {counts[Risk.LOW]} low "
        f"risk across {len(comparison.changes)} change(s).",
        "",
        "| Type | Component | High | Medium | Low |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    groups = list(by_component(comparison.changes))
    for kind, name, changes in groups:
        c = tally(changes)
        lines.append(
            f"| {kind} | {_cell(name)} | {c[Risk.HIGH]} | {c[Risk.MEDIUM]} | {c[Risk.LOW]} |"
        )
    for kind, name, changes in groups:
        reach = reaches(_audience(comparison, kind, name), _code)
        lines += ["", *_details(kind, name, changes, max_rows=max_rows, reach=reach)]
    return "\n".join(lines) + "\n"


def _details(
    kind: Subject, name: str, changes: list[Change], *, max_rows: int, reach: str = ""
) -> list[str]:
    is_open = " open" if any(_risk(c) is Risk.HIGH for c in changes) else ""
    lines = [
        f"<details{is_open}><summary>{kind} <b>{_cell(name)}</b>: {_tally_text(changes)}</summary>",
        "",
        *([f"Reaches {reach}.", ""] if reach else []),
        "| Risk | What | Entry | Change | Why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for change in changes[:max_rows]:
        why = _cell(change.reason or "")
        if change.note:
            why += f"<br><i>{_cell(change.note)}</i>"
        lines.append(
            f"| {_MARKERS[_risk(change)]} | {CATEGORY_LABELS[change.category]} "
            f"| {_code(change.key)} | {_change_cell(change)} "
            f"| {why} |"
        )
    if len(changes) > max_rows:
        lines += ["", f"… and {len(changes) - max_rows} more lower-risk change(s) not shown."]
    return [*lines, "", "</details>"]


def _change_cell(change: Change) -> str:
    moved = transition(change, arrow="→")
    return f"{change.action}: {_cell(moved)}" if moved else str(change.action)


# -- JSON ------------------------------------------------------------------------------------


def _summary(changes: Sequence[Change]) -> dict[str, Any]:
    counts = tally(changes)
    highest = next((risk.value for risk in _RISKS if counts[risk]), None)
    return {
        "changes": len(changes),
        **{risk.value: counts[risk] for risk in _RISKS},
        "highest": highest,
    }


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "category": change.category.value,
        "key": change.key,
        "action": change.action.value,
        "before": change.before,
        "after": change.after,
        "granted": list(change.granted),
        "revoked": list(change.revoked),
        "risk": _risk(change).value,
        "reason": change.reason,
        "rule": change.rule,
        "note": change.note,
    }


def to_json(comparison: Comparison) -> dict[str, Any]:
    """Return the comparison as a JSON-ready dict (schema: docs/diff.md)."""
    return {
        "schema": JSON_SCHEMA,
        "base": comparison.base,
        "head": comparison.head,
        "notes": list(comparison.notes),
        "summary": _summary(comparison.changes),
        "components": [
            {
                "kind": kind.value,
                "name": name,
                "users": list((_audience(comparison, kind, name) or Audience()).users),
                "groups": list((_audience(comparison, kind, name) or Audience()).groups),
                "summary": _summary(changes),
                "changes": [_change_json(change) for change in changes],
            }
            for kind, name, changes in by_component(comparison.changes)
        ],
    }


def format_json(comparison: Comparison) -> str:
    """Return the comparison as one JSON document (UTF-8 text, two-space indent)."""
    return json.dumps(to_json(comparison), indent=2, ensure_ascii=False) + "\n"
