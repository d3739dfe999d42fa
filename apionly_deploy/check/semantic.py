"""Semantic rules on the permission model: names, dependencies, API-only safety, least privilege."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from apionly_deploy.check import knowledge
from apionly_deploy.check.rules import Finding, Severity, make
from apionly_deploy.model.components import (
    API_ENABLED,
    API_USER_ONLY,
    OBJECT_FLAGS,
    Kind,
    PermissionContainer,
    UserPermission,
)

#: Permissions that administer the org: on an API-only container they invite a lock-out.
ADMIN_PERMISSIONS = (
    "ManageUsers",
    "ManageInternalUsers",
    "ModifyAllData",
    "CustomizeApplication",
    "ManageProfilesPermissionsets",
    "AssignPermissionSets",
    "ModifyMetadata",
    "ManageRoles",
    "ResetPasswords",
)
_BROAD_DATA = ("ModifyAllData", "ViewAllData")


class _Context:
    """One container under check, with the lookups every rule needs."""

    def __init__(self, container: PermissionContainer, file: str) -> None:
        self.container = container
        self.file = file
        self.muting = container.kind is Kind.MUTING_PERMISSION_SET
        self.by_name: dict[str, UserPermission] = {}
        for permission in container.user_permissions:
            self.by_name.setdefault(permission.name, permission)
        self.enabled = container.enabled_user_permissions()
        self.api_only = not self.muting and (
            API_USER_ONLY in self.enabled or knowledge.is_api_only_license(container.user_license)
        )

    def line_of(self, name: str) -> int:
        permission = self.by_name.get(name)
        return permission.line if permission else 0

    def finding(
        self,
        rule: str,
        line: int,
        message: str,
        *,
        severity: Severity | None = None,
        hint: str | None = None,
    ) -> Finding:
        return make(rule, self.file, line, message, severity=severity, hint=hint)


def check_container(container: PermissionContainer, *, file: str) -> list[Finding]:
    """Run every rule that needs only the container's user, object and login IP entries."""
    ctx = _Context(container, file)
    findings = list(_names(ctx))
    if not ctx.muting:
        findings += _user_dependencies(ctx)
        findings += _object_dependencies(ctx)
        findings += _api_only(ctx)
        findings += _licenses(ctx)
        findings += _least_privilege(ctx)
    elif API_USER_ONLY in ctx.enabled:
        findings.append(
            ctx.finding(
                "AO105", ctx.line_of(API_USER_ONLY), "this muting permission set mutes ApiUserOnly"
            )
        )
    return findings


def _names(ctx: _Context) -> Iterator[Finding]:
    names = set(ctx.by_name)
    flagged = (names - knowledge.known_user_permissions()) | (
        names & knowledge.flagged_user_permissions()
    )
    if not flagged:
        return
    for permission in ctx.container.user_permissions:
        if permission.name in flagged:
            yield from _name_finding(ctx, permission)


def _name_finding(ctx: _Context, permission: UserPermission) -> Iterator[Finding]:
    name = permission.name
    if not knowledge.is_known_user_permission(name):
        guess = knowledge.suggest_user_permission(name)
        hint = f"Did you mean {guess}?" if guess else None
        yield ctx.finding("AO201", permission.line, f"Unknown user permission: {name}", hint=hint)
    elif knowledge.metadata_name(name):
        renamed = knowledge.metadata_name(name)
        yield ctx.finding(
            "AO203",
            permission.line,
            f"{name} is the Profile sObject's field name; metadata files use {renamed}",
            hint=f"Use {renamed}.",
        )
    elif knowledge.user_permission_tier(name) == knowledge.TIER_THIRD_PARTY:
        yield ctx.finding(
            "AO202", permission.line, f"user permission {name} is not in Salesforce's own lists"
        )


def _user_dependencies(ctx: _Context) -> Iterator[Finding]:
    profile = ctx.container.kind is Kind.PROFILE
    for name in sorted(ctx.enabled & knowledge.dependent_user_permissions()):
        missing = [r for r in knowledge.required_user_permissions(name) if r not in ctx.enabled]
        if not missing:
            continue
        # A Profile deploy leaves permissions the file does not mention as they are in the org.
        absent_only = profile and all(r not in ctx.by_name for r in missing)
        yield ctx.finding(
            "AO204",
            ctx.line_of(name),
            f"Permission {name} depends on permission(s): {', '.join(missing)}",
            severity=Severity.WARNING if absent_only else None,
            hint=(
                f"Enable {', '.join(missing)} in this file"
                + (" (or make sure the profile already has it in the org)." if absent_only else ".")
                + " Salesforce publishes few dependencies; the org may require more."
            ),
        )


def _object_dependencies(ctx: _Context) -> Iterator[Finding]:
    for entry in ctx.container.object_permissions:
        gap = _object_gap(entry.granted(), big=knowledge.is_big_object(entry.object))
        if gap is not None:
            flags, missing = gap
            yield ctx.finding(
                "AO205",
                entry.line,
                f"{entry.object}: {flags} needs {missing}",
                hint=f"Grant {missing} on {entry.object} too, or drop {flags}.",
            )


@cache
def _object_gap(granted: tuple[str, ...], *, big: bool) -> tuple[str, str] | None:
    """Return (flags that lack a dependency, the missing flags) for one set of granted object
    flags, or None; there are few distinct sets, so each is worked out once (``big``: on a big
    object, see ``knowledge.object_permission_requirements``).
    """
    needs = knowledge.object_permission_requirements(big_object=big)
    have = set(granted)
    missing = sorted(
        {need for flag in have for need in needs.get(flag, ()) if need not in have},
        key=OBJECT_FLAGS.index,
    )
    if not missing:
        return None
    flags = ", ".join(f for f in OBJECT_FLAGS if f in have and set(needs.get(f, ())) - have)
    return flags, ", ".join(missing)


def _api_only(ctx: _Context) -> Iterator[Finding]:
    if API_USER_ONLY in ctx.enabled and API_ENABLED not in ctx.enabled:
        yield ctx.finding(
            "AO101", ctx.line_of(API_USER_ONLY), "ApiUserOnly is granted without ApiEnabled"
        )
    if not ctx.api_only:
        return
    admin = [p for p in ADMIN_PERMISSIONS if p in ctx.enabled]
    if admin:
        line = ctx.line_of(API_USER_ONLY) or ctx.line_of(admin[0])
        yield ctx.finding("AO104", line, f"API-only container also grants {', '.join(admin)}")


def _licenses(ctx: _Context) -> Iterator[Finding]:
    container = ctx.container
    license_name = container.user_license if container.kind is Kind.PROFILE else container.license
    if license_name and API_USER_ONLY in ctx.enabled:
        fact = knowledge.license_fact(license_name)
        if fact is not None and fact.api_only is False:
            doubt = (
                "" if fact.certain else " (not stated in a Salesforce document: verify in Setup)"
            )
            yield ctx.finding(
                "AO102",
                ctx.line_of(API_USER_ONLY),
                f"API Only User granted under license '{license_name}', which does not offer it",
                severity=Severity.ERROR if fact.certain else Severity.WARNING,
                hint="Use the Salesforce Integration or Salesforce user license" + doubt + ".",
            )
    yield from _integration_pairing(ctx)


def _integration_pairing(ctx: _Context) -> Iterator[Finding]:
    container = ctx.container
    integration = knowledge.integration_user_license().lower()
    if container.kind is Kind.PROFILE:
        only = ctx.by_name.get(API_USER_ONLY)
        licensed = (container.user_license or "").strip().lower() == integration
        if licensed and only is not None and not only.enabled:
            yield ctx.finding(
                "AO103",
                only.line,
                "the Salesforce Integration license is API-only; ApiUserOnly cannot be turned off",
            )
        named = container.name in knowledge.integration_profile_names()
        if named and container.user_license and not licensed:
            yield ctx.finding(
                "AO103",
                0,
                f"profile '{container.name}' belongs to the Salesforce Integration license, "
                f"not '{container.user_license}'",
            )
    elif (container.license or "").strip().lower() == integration:
        standard = [o.object for o in container.object_permissions if "__" not in o.object]
        if standard:
            yield ctx.finding(
                "AO103",
                container.object_permissions[0].line,
                "a permission set tied to the Salesforce Integration user license grants standard "
                f"objects ({', '.join(standard[:3])}{'...' if len(standard) > 3 else ''})",
                hint="Tie it to the Salesforce API Integration permission set license "
                "(SalesforceAPIIntegrationPsl) or to no license; reported by users, not in "
                "Salesforce's documents.",
            )


def _least_privilege(ctx: _Context) -> Iterator[Finding]:
    if not ctx.api_only:
        return
    for name in _BROAD_DATA:
        if name in ctx.enabled:
            yield ctx.finding("AO301", ctx.line_of(name), f"API-only container grants {name}")
    if "AuthorApex" in ctx.enabled:
        yield ctx.finding(
            "AO302", ctx.line_of("AuthorApex"), "API-only container grants AuthorApex"
        )
    if "PasswordNeverExpires" in ctx.enabled:
        yield ctx.finding(
            "AO304",
            ctx.line_of("PasswordNeverExpires"),
            "API-only container grants PasswordNeverExpires",
        )
    if ctx.container.kind is Kind.PROFILE and not ctx.container.login_ip_ranges:
        yield ctx.finding(
            "AO303",
            ctx.line_of("ApiUserOnly"),
            f"API-only profile {ctx.container.name!r} has no login IP ranges",
        )
