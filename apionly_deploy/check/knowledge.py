"""Typed access to the facts in ``apionly_deploy/data/``: permission names, dependencies, licenses.

Each data file is read once, on first use, and kept. Every function here is cheap after that,
so validation, the emulator and diff can call them per entry.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

TIER_SALESFORCE = "salesforce"
TIER_THIRD_PARTY = "third_party"


@dataclass(frozen=True, slots=True)
class LicenseFact:
    """What the data says about one user license."""

    name: str
    #: True = offers API Only User, False = does not, None = not known.
    api_only: bool | None
    #: False when no Salesforce document states the fact outright.
    certain: bool
    #: True when every user of the license is API-only whatever the profile says.
    api_only_by_license: bool = False
    note: str | None = None


def _load(name: str) -> dict[str, Any]:
    text = resources.files("apionly_deploy").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _permissions() -> dict[str, tuple[str | None, str]]:
    raw = _load("user-permissions.json")["permissions"]
    return {name: (label, tier) for name, (label, tier) in raw.items()}


@cache
def _metadata_names() -> dict[str, str]:
    names: dict[str, str] = _load("user-permissions.json")["metadata_names"]
    return names


@cache
def _lowercase_index() -> dict[str, str]:
    return {name.lower(): name for name in _permissions()}


@cache
def _dependencies() -> dict[str, Any]:
    return _load("dependencies.json")


@cache
def _licenses() -> dict[str, Any]:
    return _load("licenses.json")


@cache
def permissions_api_version() -> str:
    """Return the API version of the newest source behind the user permission list."""
    version: str = _load("user-permissions.json")["api_version"]
    return version


@cache
def known_user_permissions() -> frozenset[str]:
    """Return every user permission name the data knows."""
    return frozenset(_permissions())


@cache
def flagged_user_permissions() -> frozenset[str]:
    """Return known names that still deserve a remark: third-party-only or sObject-only names."""
    third = {name for name, (_, tier) in _permissions().items() if tier == TIER_THIRD_PARTY}
    return frozenset(third | set(_metadata_names()))


@cache
def dependent_user_permissions() -> frozenset[str]:
    """Return the user permissions with documented dependencies."""
    return frozenset(_dependencies()["user_permissions"])


def is_known_user_permission(name: str) -> bool:
    """Return True when ``name`` is a user permission name (exact, case-sensitive)."""
    return name in _permissions()


def user_permission_label(name: str) -> str | None:
    """Return the UI label of a user permission, or None when none is published."""
    entry = _permissions().get(name)
    return entry[0] if entry else None


def user_permission_tier(name: str) -> str | None:
    """Return ``salesforce`` or ``third_party`` (who lists the name), or None when unknown."""
    entry = _permissions().get(name)
    return entry[1] if entry else None


def metadata_name(name: str) -> str | None:
    """Return the metadata name for an sObject-only field name (CreateMultiforce...), else None."""
    return _metadata_names().get(name)


@lru_cache(maxsize=1024)
def suggest_user_permission(name: str) -> str | None:
    """Return the known user permission ``name`` most likely meant, or None."""
    if name in _permissions():
        return None
    renamed = metadata_name(name)
    if renamed:
        return renamed
    same_but_case = _lowercase_index().get(name.lower())
    if same_but_case:
        return same_but_case
    lowered = list(_lowercase_index())
    close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.75)
    return _lowercase_index()[close[0]] if close else None


def required_user_permissions(name: str) -> tuple[str, ...]:
    """Return the user permissions ``name`` is documented to need (possibly incomplete)."""
    entry = _dependencies()["user_permissions"].get(name)
    return tuple(entry["requires"]) if entry else ()


def is_big_object(name: str) -> bool:
    """Tell whether ``name`` is a big object (``__b``): it has no edit access at all."""
    return name.endswith("__b")


@cache
def object_permission_requirements(*, big_object: bool = False) -> dict[str, tuple[str, ...]]:
    """Return object access flag -> flags it needs (model names: read, edit, view_all...).

    On a big object nothing needs edit, which it does not have (orgs accepted such files from
    public projects' pipelines for years): its delete needs only read.
    """
    raw = _dependencies()["object_permissions"]
    return {
        flag: tuple(n for n in needs if not (big_object and n == "edit"))
        for flag, needs in raw.items()
    }


@cache
def _license_facts() -> dict[str, LicenseFact]:
    facts = {}
    for name, raw in _licenses()["user_licenses"].items():
        facts[name.lower()] = LicenseFact(
            name=name,
            api_only=raw.get("api_only"),
            certain=bool(raw.get("certain", False)),
            api_only_by_license=bool(raw.get("api_only_by_license", False)),
            note=raw.get("note"),
        )
    return facts


def license_fact(user_license: str) -> LicenseFact | None:
    """Return what is known about a user license (name matched case-insensitively)."""
    return _license_facts().get(user_license.strip().lower())


def license_allows_api_only(user_license: str) -> bool | None:
    """Return whether users of ``user_license`` can be API Only Users; None when unknown."""
    fact = license_fact(user_license)
    return fact.api_only if fact else None


def is_api_only_license(user_license: str | None) -> bool:
    """Return True when every user of ``user_license`` is API-only (Salesforce Integration)."""
    fact = license_fact(user_license) if user_license else None
    return bool(fact and fact.api_only_by_license)


def integration_user_license() -> str:
    """Return the name of the Salesforce Integration user license."""
    name: str = _licenses()["integration"]["user_license"]
    return name


def integration_permission_set_license() -> str:
    """Return the developer name of the Salesforce API Integration permission set license."""
    name: str = _licenses()["integration"]["permission_set_license"]
    return name


def is_integration_permission_set_license(license_name: str) -> bool:
    """Return True for the API Integration PSL, by developer name or by label."""
    psl = integration_permission_set_license()
    label = _licenses()["permission_set_licenses"][psl]["label"]
    return license_name.strip().lower() in (psl.lower(), label.lower())


def integration_profile_names() -> tuple[str, ...]:
    """Return the standard profiles of the Integration license, the current one first."""
    return tuple(_licenses()["integration"]["profiles"])


def legacy_integration_profile_names() -> tuple[str, ...]:
    """Return the retired Integration profile names (not in newly provisioned orgs)."""
    return tuple(_licenses()["integration"]["legacy_profiles"])
