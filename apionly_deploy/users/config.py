"""``[users."USERNAME"]`` tables -> DesiredUser, checked before anything talks to an org.

Usernames are global across every Salesforce org, so a sandbox needs its own: the variable
``username_suffix`` (set per org in ``[orgs.NAME.vars]``) is appended to every username.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from apionly_deploy.project.config import Project, SourceFile, check_keys
from apionly_deploy.project.values import read_names, read_str
from apionly_deploy.review.audience import Assignment

SUFFIX_VAR = "username_suffix"
DEFAULT_TIME_ZONE = "GMT"
DEFAULT_LOCALE = "en_US"
DEFAULT_LANGUAGE = "en_US"
DEFAULT_EMAIL_ENCODING = "UTF-8"
_KEYS = (
    "first_name",
    "last_name",
    "email",
    "alias",
    "profile",
    "user_license",
    "permission_set_licenses",
    "permission_sets",
    "permission_set_groups",
    "time_zone",
    "locale",
    "language",
    "email_encoding",
    "federation_id",
    "active",
)
_LISTS = ("permission_set_licenses", "permission_sets", "permission_set_groups")
# Pragmatic address check (what Salesforce rejects with INVALID_EMAIL_ADDRESS in practice):
# one @, no spaces, a dotted domain of letters, digits and hyphens.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_ENCODINGS = (
    "UTF-8",
    "ISO-8859-1",
    "Shift_JIS",
    "ISO-2022-JP",
    "EUC-JP",
    "ks_c_5601-1987",
    "Big5",
    "GB2312",
    "Big5-HKSCS",
    "x-SJIS_0213",
)


@dataclass(frozen=True, slots=True)
class DesiredUser:
    """One user as the project file wants it in the target org.

    Optional settings that are None were not written: they get a default on create and are
    left alone on update.
    """

    username: str  # with the org's suffix
    declared_as: str  # the table key, for messages
    last_name: str
    email: str
    profile: str
    first_name: str | None = None
    alias: str | None = None
    user_license: str | None = None
    permission_set_licenses: tuple[str, ...] = ()
    permission_sets: tuple[str, ...] = ()
    permission_set_groups: tuple[str, ...] = ()
    time_zone: str | None = None
    locale: str | None = None
    language: str | None = None
    email_encoding: str | None = None
    federation_id: str | None = None
    active: bool = True

    def create_fields(self) -> dict[str, Any]:
        """Return the User fields of a create (defaults filled in)."""
        fields = {
            "Username": self.username,
            "LastName": self.last_name,
            "Email": self.email,
            "Alias": self.alias or default_alias(self.first_name, self.last_name),
            "TimeZoneSidKey": self.time_zone or DEFAULT_TIME_ZONE,
            "LocaleSidKey": self.locale or DEFAULT_LOCALE,
            "LanguageLocaleKey": self.language or DEFAULT_LANGUAGE,
            "EmailEncodingKey": self.email_encoding or DEFAULT_EMAIL_ENCODING,
            "IsActive": self.active,
        }
        if self.first_name is not None:
            fields["FirstName"] = self.first_name
        if self.federation_id is not None:
            fields["FederationIdentifier"] = self.federation_id
        return fields

    def managed_fields(self) -> dict[str, Any]:
        """Return the User fields an update keeps in step (only what the file sets)."""
        optional = {
            "FirstName": self.first_name,
            "Alias": self.alias,
            "TimeZoneSidKey": self.time_zone,
            "LocaleSidKey": self.locale,
            "LanguageLocaleKey": self.language,
            "EmailEncodingKey": self.email_encoding,
            "FederationIdentifier": self.federation_id,
        }
        fields: dict[str, Any] = {"LastName": self.last_name, "Email": self.email}
        fields.update({k: v for k, v in optional.items() if v is not None})
        fields["IsActive"] = self.active
        return fields


def default_alias(first_name: str | None, last_name: str) -> str:
    """Return the alias Salesforce's UI would suggest: first initial + last name, 8 chars."""
    initial = (first_name or "")[:1]
    letters = re.sub(r"\s+", "", f"{initial}{last_name}")
    return letters[:8].lower() or "user"


def username_suffix(project: Project) -> str:
    """Return the suffix the target org appends to usernames (``${username_suffix}``)."""
    return project.vars.get(SUFFIX_VAR, "")


def desired_users(project: Project) -> tuple[DesiredUser, ...]:
    """Parse every ``[users."NAME"]`` table; raise ConfigError naming file and line."""
    src = project.source
    suffix = username_suffix(project)
    if suffix and not re.fullmatch(r"[A-Za-z0-9._-]+", suffix):
        raise src.error(
            ("vars", SUFFIX_VAR),
            f"username suffix {suffix!r} may hold only letters, digits, '.', '_' and '-'",
            'write it like ".uat"',
        )
    users: list[DesiredUser] = []
    seen: dict[str, str] = {}
    for key, table in project.users.items():
        path = ("users", key)
        if not isinstance(table, Mapping):
            raise src.error(path, "must be a table", f'write it as [users."{key}"]')
        user = _user(src, key, table, suffix)
        if user.username.lower() in seen:
            raise src.error(path, f"the same username as {seen[user.username.lower()]!r}")
        seen[user.username.lower()] = key
        users.append(user)
    return tuple(sorted(users, key=lambda u: u.username.lower()))


def _user(src: SourceFile, key: str, table: Mapping[str, Any], suffix: str) -> DesiredUser:
    path = ("users", key)
    check_keys(src, path, table, _KEYS)
    username = key + suffix
    if not _EMAIL.fullmatch(username) or len(username) > 80:
        raise src.error(
            path,
            f"username {username!r} is not in the form of an email address",
            "Salesforce usernames look like name@company.example (80 characters at most)",
        )
    text = {
        k: read_str(src, path, table, k, non_empty=True)
        for k in _KEYS
        if k not in (*_LISTS, "active")
    }
    for required in ("last_name", "email", "profile"):
        if not text[required]:
            raise src.error(path, f"{required} is missing", f'add {required} = "..."')
    email = str(text["email"])
    if not _EMAIL.fullmatch(email):
        raise src.error((*path, "email"), f"{email!r} is not a valid email address")
    _check_choice(src, path, "email_encoding", text["email_encoding"], _ENCODINGS)
    alias = text["alias"]
    if alias is not None and not 1 <= len(alias) <= 8:
        raise src.error((*path, "alias"), "an alias has 1 to 8 characters")
    active = table.get("active", True)
    if not isinstance(active, bool):
        raise src.error((*path, "active"), "must be true or false")
    return DesiredUser(
        username=username,
        declared_as=key,
        last_name=str(text["last_name"]),
        email=email,
        profile=str(text["profile"]),
        first_name=text["first_name"],
        alias=alias,
        user_license=text["user_license"],
        permission_set_licenses=tuple(read_names(src, path, table, "permission_set_licenses")),
        permission_sets=tuple(read_names(src, path, table, "permission_sets")),
        permission_set_groups=tuple(read_names(src, path, table, "permission_set_groups")),
        time_zone=text["time_zone"],
        locale=text["locale"],
        language=text["language"],
        email_encoding=text["email_encoding"],
        federation_id=text["federation_id"],
        active=active,
    )


def _check_choice(
    src: SourceFile, path: Sequence[str], key: str, value: str | None, allowed: Sequence[str]
) -> None:
    if value is not None and value not in allowed:
        raise src.error((*path, key), f"{value!r} is not one of: {', '.join(allowed)}")


def declared_assignments(project: Project) -> tuple[Assignment, ...]:
    """Return what each declared user is given, for the diff's review context."""
    return tuple(
        Assignment(u.username, u.profile, u.permission_sets, u.permission_set_groups)
        for u in desired_users(project)
    )
