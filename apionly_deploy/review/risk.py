"""Rate each change high / medium / low with a reason, from rules kept as data.

The built-in rules live in ``data/risk-rules.json``; ``load_rules(path)`` reads another file in
the same shape. Rules are tried in order and the first match wins; docs/diff.md lists them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from apionly_deploy.errors import ConfigError
from apionly_deploy.fileio import read_json
from apionly_deploy.model.components import Kind
from apionly_deploy.review.diff import Action, Category, Change, Comparison, Risk

_MATCH_FIELDS = ("category", "action", "key", "kind", "granted", "revoked")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: the changes it matches and the risk it gives them. Empty criteria match all."""

    id: str
    risk: Risk
    reason: str
    categories: frozenset[Category] = frozenset()
    actions: frozenset[Action] = frozenset()
    keys: frozenset[str] = frozenset()
    kinds: frozenset[Kind] = frozenset()
    granted: frozenset[str] = frozenset()
    revoked: frozenset[str] = frozenset()

    def matches(self, change: Change) -> bool:
        """Return True when every criterion this rule sets holds for ``change``."""
        return (
            (not self.categories or change.category in self.categories)
            and (not self.actions or change.action in self.actions)
            and (not self.keys or change.key in self.keys)
            and (not self.kinds or change.kind in self.kinds)
            and (not self.granted or not self.granted.isdisjoint(change.granted))
            and (not self.revoked or not self.revoked.isdisjoint(change.revoked))
        )


def default_rules() -> tuple[Rule, ...]:
    """Return the built-in rules."""
    text = resources.files("apionly_deploy").joinpath("data/risk-rules.json").read_text("utf-8")
    return parse_rules(json.loads(text), source="built-in risk-rules.json")


def load_rules(path: Path) -> tuple[Rule, ...]:
    """Return the rules in a JSON file shaped like the built-in ``risk-rules.json``."""
    return parse_rules(read_json(path, what="risk rules"), source=str(path))


def parse_rules(document: Any, *, source: str) -> tuple[Rule, ...]:
    """Turn a parsed rules document into rules; raise ConfigError naming the bad rule."""
    rules = document.get("rules") if isinstance(document, Mapping) else None
    if not isinstance(rules, list) or not rules:
        raise ConfigError(f'{source}: expected an object with a non-empty "rules" list')
    parsed = tuple(_rule(raw, source=source, index=i) for i, raw in enumerate(rules))
    if any(_criteria(rule) for rule in parsed[-1:]):
        raise ConfigError(f"{source}: the last rule must match everything (no criteria)")
    return parsed


def _rule(raw: Any, *, source: str, index: int) -> Rule:
    where = f"{source}: rule {index + 1}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected an object")
    unknown = set(raw) - {"id", "risk", "reason", *_MATCH_FIELDS}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Rule(
            id=str(raw.get("id") or f"rule-{index + 1}"),
            risk=Risk(raw["risk"]),
            reason=str(raw["reason"]),
            categories=frozenset(Category(v) for v in _strings(raw, "category")),
            actions=frozenset(Action(v) for v in _strings(raw, "action")),
            keys=frozenset(_strings(raw, "key")),
            kinds=frozenset(Kind(v) for v in _strings(raw, "kind")),
            granted=frozenset(_strings(raw, "granted")),
            revoked=frozenset(_strings(raw, "revoked")),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: missing {exc.args[0]!r}") from None
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _strings(raw: Mapping[str, Any], name: str) -> list[str]:
    value = raw.get(name, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name!r} must be a string or a list of strings")
    return values


def _criteria(rule: Rule) -> bool:
    return any((rule.categories, rule.actions, rule.keys, rule.kinds, rule.granted, rule.revoked))


def rate(change: Change, rules: Sequence[Rule]) -> Change:
    """Return ``change`` with the risk, reason and rule id of the first rule that matches."""
    for rule in rules:
        if rule.matches(change):
            reason = rule.reason.replace("{key}", change.key).replace(
                "{component}", change.component
            )
            return replace(change, risk=rule.risk, reason=reason, rule=rule.id)
    return replace(change, risk=Risk.LOW, reason="no rule matched", rule=None)


def assess(changes: Iterable[Change], rules: Sequence[Rule] | None = None) -> list[Change]:
    """Return every change rated by ``rules`` (the built-in ones by default)."""
    chosen = default_rules() if rules is None else rules
    return [rate(change, chosen) for change in changes]


def highest(changes: Iterable[Change]) -> Risk | None:
    """Return the highest risk among rated changes, or None when there are none."""
    risks = [c.risk for c in changes if c.risk is not None]
    return max(risks, key=lambda r: r.rank) if risks else None


def assess_comparison(comparison: Comparison, rules: Sequence[Rule] | None = None) -> Comparison:
    """Return ``comparison`` with every change rated."""
    return replace(comparison, changes=tuple(assess(comparison.changes, rules)))
