"""The validation rules: stable IDs, default severities, one-line titles and fix hints.

A rule's ID never changes meaning; retired IDs are not reused. ``docs/validation.md`` is the
table users read, and a test keeps it in step with ``RULES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: ``error`` blocks render/package/deploy, the others inform."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """Return 2 for error, 1 for warning, 0 for note (higher is worse)."""
        return _RANKS[self]


_RANKS = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.NOTE: 0}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: where, how bad, which rule, what, and how to fix it."""

    file: str
    line: int
    column: int
    severity: Severity
    rule: str
    message: str
    hint: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Return the key findings are reported in: file, position, rule."""
        return (self.file, self.line, self.column, self.rule, self.message)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    hint: str


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

_CATALOGUE = (
    Rule("AO001", E, "File is not well-formed, safe XML", "Fix the XML at the position given."),
    Rule(
        "AO002",
        N,
        "Not a Profile, PermissionSet, MutingPermissionSet or PermissionSetGroup",
        "Only permission metadata is validated; an error when the file was named explicitly.",
    ),
    Rule(
        "AO003",
        E,
        "Element not in the Metadata API schema of this API version",
        "Remove it, fix its spelling or raise the API version; a note when the file is newer "
        "than the newest schema this tool knows, a warning when the version is unknown.",
    ),
    Rule(
        "AO004",
        E,
        "Schema violation: missing, repeated or invalid element",
        "Follow the Metadata API schema for this type.",
    ),
    Rule(
        "AO005",
        W,
        "Elements out of the schema's order",
        "Salesforce writes elements in schema order; reorder them to keep diffs small.",
    ),
    Rule(
        "AO006",
        W,
        "Boolean written True or False",
        "Salesforce reads it, but writes true and false; write them so to keep diffs small.",
    ),
    Rule(
        "AO101",
        W,
        "ApiUserOnly without ApiEnabled in the same file",
        "Grant ApiEnabled here too, or make sure the users get it from their profile or "
        "another permission set; without it they can use neither the UI nor the API.",
    ),
    Rule(
        "AO102",
        W,
        "API Only User on a profile whose user license does not offer it",
        "Use the Salesforce Integration or Salesforce user license for API-only users.",
    ),
    Rule(
        "AO103",
        W,
        "Salesforce Integration license pairing",
        "Integration users get object access through permission sets tied to the Salesforce "
        "API Integration permission set license (SalesforceAPIIntegrationPsl) or to no license.",
    ),
    Rule(
        "AO104",
        W,
        "API Only User together with an admin permission",
        "Keep administration out of API-only containers: an admin made API-only can lock "
        "everyone out of Setup.",
    ),
    Rule(
        "AO105",
        W,
        "A muting permission set mutes ApiUserOnly",
        "Do not mute ApiUserOnly: the group's users would regain UI access.",
    ),
    Rule(
        "AO201",
        E,
        "Unknown user permission",
        "Use a user permission name Salesforce knows (see the did-you-mean).",
    ),
    Rule(
        "AO202",
        N,
        "User permission known only from third-party listings",
        "Check the name in your org (Setup, or a PermissionSet describe).",
    ),
    Rule(
        "AO203",
        W,
        "sObject field name used instead of the metadata name",
        "Use the name metadata files use.",
    ),
    Rule(
        "AO204",
        E,
        "User permission without the permission it depends on",
        "Enable the required permission in the same file.",
    ),
    Rule(
        "AO205",
        E,
        "Object permission without the access it depends on",
        "Create, edit and view all need read; delete needs edit; modify all needs view all, "
        "edit and delete.",
    ),
    Rule("AO206", E, "Field editable but not readable", "Set readable to true as well."),
    Rule(
        "AO301",
        W,
        "API-only container grants Modify All Data or View All Data",
        "Grant object and field access for what the integration needs instead.",
    ),
    Rule(
        "AO302",
        W,
        "API-only container grants Author Apex",
        "An integration user rarely needs to write Apex; remove AuthorApex.",
    ),
    Rule(
        "AO303",
        W,
        "API-only profile without login IP ranges",
        "Restrict the integration's logins to its known egress addresses (loginIpRanges).",
    ),
    Rule(
        "AO304",
        W,
        "API-only container grants Password Never Expires",
        "Rotate the integration's credentials; prefer OAuth flows without passwords.",
    ),
    Rule("AO401", W, "Duplicate entry", "Keep one entry per key."),
    Rule(
        "AO402",
        W,
        "Entries for the same key with conflicting values",
        "Keep one entry per key; which one Salesforce applies is not documented.",
    ),
    Rule(
        "AO403",
        W,
        "Name mixes Latin with Cyrillic or Greek letters",
        "Write the name in one script: a look-alike letter makes it another name.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}


def make(
    rule_id: str,
    file: str,
    line: int,
    message: str,
    *,
    severity: Severity | None = None,
    hint: str | None = None,
    column: int = 0,
) -> Finding:
    """Build a Finding for ``rule_id``, defaulting severity and hint from the catalogue."""
    rule = RULES[rule_id]
    return Finding(
        file=file,
        line=line,
        column=column,
        severity=severity or rule.severity,
        rule=rule_id,
        message=message,
        hint=hint or rule.hint,
    )


def worst(findings: list[Finding]) -> Severity | None:
    """Return the highest severity among ``findings``, or None when there are none."""
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: s.rank)
