"""What the org refuses in a deployed permission component, in Salesforce's own words.

Knowledge of user permission names, dependencies and licences comes from
``apionly_deploy.check.knowledge``: the same facts offline validation reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from apionly_deploy.check import knowledge
from apionly_deploy.model.components import API_USER_ONLY, Component, Kind, PermissionContainer

#: Suffixes of custom objects and fields; standard names are accepted as they are.
CUSTOM = re.compile(r"__(c|mdt|e|x|b|kav|ka|xo|hd|chn|dll|dlm|dmo)$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One componentFailure: what is wrong, and where in the file."""

    message: str
    line: int = 0
    column: int = 0
    #: A warning the deploy reports while it succeeds (what the facts only suspect).
    warning: bool = False


def is_known_permission(name: str) -> bool:
    return knowledge.is_known_user_permission(name)


def canonical_permission(name: str) -> str | None:
    """Return a user permission's exact name for any casing (None when unknown)."""
    if is_known_permission(name):
        return name
    suggestion = knowledge.suggest_user_permission(name)
    if suggestion is not None and suggestion.lower() == name.lower():
        return suggestion
    return None


def required_permissions(name: str) -> tuple[str, ...]:
    return knowledge.required_user_permissions(name)


def api_only_refusal(user_license: str) -> bool | None:
    """Tell how a licence takes API Only User: None allowed (or unknown to the facts), True
    refused (the facts are documented), False doubted (a warning, as offline validation says)."""
    fact = knowledge.license_fact(user_license)
    if fact is None or fact.api_only is not False:
        return None
    return fact.certain


def column_of(xml: bytes, line: int, tag: str) -> int:
    """Return the 1-based column of ``<tag`` on ``line`` (1 when it cannot be found)."""
    lines = _lines(xml)
    if not 0 < line <= len(lines):
        return 1
    found = lines[line - 1].find(b"<" + tag.encode())
    return found + 1 if found >= 0 else 1


@lru_cache(maxsize=4)
def _lines(xml: bytes) -> list[bytes]:
    """Split a file once, not once per failure: a first deploy can fail on every entry."""
    return xml.split(b"\n")


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """What the checks need to know about the org: licences, objects, fields, sets."""

    user_licenses: frozenset[str]
    permission_set_licenses: frozenset[str]
    custom_objects: frozenset[str]
    custom_fields: frozenset[str]
    permission_sets: frozenset[str]
    #: Names of the other components by metadata type (ApexClass, Flow, RecordType as
    #: ``Object.Type``, ExternalCredentialPrincipal as ``Credential-Principal``...).
    components: Mapping[str, frozenset[str]] = field(default_factory=dict)


def check_container(
    component: PermissionContainer, effective: PermissionContainer, xml: bytes, org: OrgFacts
) -> list[Problem]:
    """Return the problems of a Profile/PermissionSet; ``effective`` is it after the deploy."""
    problems = _permission_problems(component, effective, xml)
    problems += _license_problems(component, effective, xml, org)
    problems += _object_problems(component, xml, org)
    if component.kind is not Kind.MUTING_PERMISSION_SET:  # muting edit without read is fine
        problems += _entry_dependencies(component, xml)
    return problems


def _entry_dependencies(component: PermissionContainer, xml: bytes) -> list[Problem]:
    """Refuse object access without the access it needs and fields editable but not readable,
    from the same facts offline validation reads (a big object's delete needs no edit)."""
    problems: list[Problem] = []
    for entry in component.object_permissions:
        big = knowledge.is_big_object(entry.object)
        needs = knowledge.object_permission_requirements(big_object=big)
        have = set(entry.granted())
        for flag in sorted(have, key=_FLAG_ORDER.index):
            missing = [n for n in needs.get(flag, ()) if n not in have]
            if missing:
                problems.append(
                    Problem(
                        f"Permission {_FLAG_WORDS[flag]} on {entry.object} depends on "
                        f"permission(s): {', '.join(_FLAG_WORDS[m] for m in missing)}",
                        entry.line,
                        column_of(xml, entry.line, "objectPermissions"),
                    )
                )
    for grant in component.field_permissions:
        if grant.editable and not grant.readable:
            problems.append(
                Problem(
                    f"In field: readable - {grant.field} cannot be editable without being readable",
                    grant.line,
                    column_of(xml, grant.line, "fieldPermissions"),
                )
            )
    return problems


_FLAG_WORDS = {
    "read": "Read",
    "create": "Create",
    "edit": "Edit",
    "delete": "Delete",
    "view_all": "View All",
    "modify_all": "Modify All",
}
_FLAG_ORDER = tuple(_FLAG_WORDS)


def _permission_problems(
    component: PermissionContainer, effective: PermissionContainer, xml: bytes
) -> list[Problem]:
    problems: list[Problem] = []
    enabled = effective.enabled_user_permissions()
    for permission in component.user_permissions:
        where = (permission.line, column_of(xml, permission.line, "userPermissions"))
        if not is_known_permission(permission.name):
            problems.append(Problem(f"Unknown user permission: {permission.name}", *where))
            continue
        if not permission.enabled:
            continue
        missing = [p for p in required_permissions(permission.name) if p not in enabled]
        if missing:
            problems.append(
                Problem(
                    f"Permission {permission.name} depends on permission(s): {', '.join(missing)}",
                    *where,
                )
            )
    return problems


def _license_problems(
    component: PermissionContainer, effective: PermissionContainer, xml: bytes, org: OrgFacts
) -> list[Problem]:
    problems: list[Problem] = []
    if component.kind is Kind.PROFILE:
        license_name = effective.user_license or "Salesforce"
        tag = "userLicense"
        if component.user_license and component.user_license not in org.user_licenses:
            line = _line_of(xml, tag)
            return [
                Problem(
                    f"In field: userLicense - no UserLicense named {component.user_license} found",
                    line,
                    column_of(xml, line, tag),
                )
            ]
    else:
        license_name = component.license or ""
        tag = "license"
        known = org.user_licenses | org.permission_set_licenses
        if license_name and license_name not in known:
            line = _line_of(xml, tag)
            return [
                Problem(
                    f"In field: license - no UserLicense or PermissionSetLicense named "
                    f"{license_name} found",
                    line,
                    column_of(xml, line, tag),
                )
            ]
    refusal = api_only_refusal(license_name) if license_name in org.user_licenses else None
    if refusal is not None and API_USER_ONLY in component.enabled_user_permissions():
        entry = next(p for p in component.user_permissions if p.name == API_USER_ONLY)
        problems.append(
            Problem(
                f"The user license doesn't allow the permission: {API_USER_ONLY}",
                entry.line,
                column_of(xml, entry.line, "userPermissions"),
                warning=not refusal,
            )
        )
    return problems


def _line_of(xml: bytes, tag: str) -> int:
    for number, text in enumerate(_lines(xml), start=1):
        if b"<" + tag.encode() + b">" in text:
            return number
    return 1


def _object_problems(component: PermissionContainer, xml: bytes, org: OrgFacts) -> list[Problem]:
    problems: list[Problem] = []
    for entry in component.object_permissions:
        if CUSTOM.search(entry.object) and entry.object not in org.custom_objects:
            problems.append(
                Problem(
                    f"In field: object - no CustomObject named {entry.object} found",
                    entry.line,
                    column_of(xml, entry.line, "objectPermissions"),
                )
            )
    for grant in component.field_permissions:
        if CUSTOM.search(grant.field) and grant.field not in org.custom_fields:
            problems.append(
                Problem(
                    f"In field: field - no CustomField named {grant.field} found",
                    grant.line,
                    column_of(xml, grant.line, "fieldPermissions"),
                )
            )
    return problems


def check_group(component: Component, xml: bytes, org: OrgFacts) -> list[Problem]:
    """Return the problems of a PermissionSetGroup: every set it names must exist."""
    problems: list[Problem] = []
    names = getattr(component, "permission_sets", ())
    for name in names:
        if name not in org.permission_sets:
            line = _line_of_text(xml, "permissionSets", name)
            problems.append(
                Problem(
                    f"In field: permissionSets - no PermissionSet named {name} found",
                    line,
                    column_of(xml, line, "permissionSets"),
                )
            )
    return problems


def _line_of_text(xml: bytes, tag: str, text: str) -> int:
    needle = f"<{tag}>{text}</{tag}>".encode()
    for number, line in enumerate(_lines(xml), start=1):
        if needle in line:
            return number
    return 1
