"""Keep the org's sObject records (Profile, PermissionSet...) in step with its metadata."""

from __future__ import annotations

from typing import Any

from apionly_deploy.emulator.store import Store
from apionly_deploy.model.components import Component, Kind, PermissionContainer, PermissionSetGroup

#: Profiles whose API (file) name differs from their name in the UI and in SOQL.
STANDARD_PROFILE_NAMES = {
    "Admin": "System Administrator",
    "Standard": "Standard User",
    "MarketingProfile": "Marketing User",
    "ContractManager": "Contract Manager",
    "SolutionManager": "Solution Manager",
    "StandardAul": "Standard Platform User",
}
HIDDEN = "_"  # fields starting with this never leave the emulator


def profile_display_name(full_name: str) -> str:
    """Return the Name a profile has in SOQL for its Metadata API name."""
    return STANDARD_PROFILE_NAMES.get(full_name, full_name)


def license_id(store: Store, name: str | None) -> str | None:
    """Return the id of the user license or permission set license called ``name``."""
    if not name:
        return None
    for sobject, field in (("UserLicense", "Name"), ("PermissionSetLicense", "DeveloperName")):
        found = store.find_record(sobject, **{field: name})
        if found is not None:
            return str(found["Id"])
    found = store.find_record("PermissionSetLicense", MasterLabel=name)
    return str(found["Id"]) if found else None


def _permission_fields(
    store: Store,
    sobject: str,
    record_id: str | None,
    component: PermissionContainer,
    *,
    patch: bool,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if record_id and not patch:
        found = store.get_record(record_id)
        if found:
            fields = {k: False for k in found[1] if k.startswith("Permissions")}
    for permission in component.user_permissions:
        fields[f"Permissions{permission.name}"] = permission.enabled
    return fields


def sync_component(store: Store, component: Component, *, patch: bool = False) -> str:
    """Create or update the records behind a deployed component; return its record id."""
    if isinstance(component, PermissionSetGroup):
        return _sync_group(store, component)
    if component.kind is Kind.PROFILE:
        return _sync_profile(store, component, patch=patch)
    return _sync_permission_set(store, component)


def _sync_permission_set(store: Store, component: PermissionContainer) -> str:
    existing = store.find_record("PermissionSet", Name=component.name, IsOwnedByProfile=False)
    record_id = str(existing["Id"]) if existing else None
    fields: dict[str, Any] = {
        "Name": component.name,
        "Label": component.label or component.name,
        "Description": component.description,
        "LicenseId": license_id(store, component.license),
        "HasActivationRequired": bool(component.has_activation_required),
        "IsOwnedByProfile": False,
        "IsCustom": True,
        "ProfileId": None,
        "PermissionSetGroupId": None,
        "NamespacePrefix": None,
        "Type": "Muting" if component.kind is Kind.MUTING_PERMISSION_SET else "Regular",
        **_permission_fields(store, "PermissionSet", record_id, component, patch=False),
    }
    if record_id:
        store.update_record(record_id, fields)
        return record_id
    return store.insert_record("PermissionSet", fields)


def _sync_profile(store: Store, component: PermissionContainer, *, patch: bool) -> str:
    name = profile_display_name(component.name)
    existing = store.find_record("Profile", Name=name)
    if existing is None:
        license_name = component.user_license or "Salesforce"
        profile_id = store.insert_record(
            "Profile",
            {
                "Name": name,
                "Description": component.description,
                "UserLicenseId": license_id(store, license_name),
                "UserType": "Standard",
                "_FullName": component.name,
            },
        )
        store.insert_record(
            "PermissionSet",
            {
                "Name": f"X{profile_id[:15]}",
                "Label": name,
                "IsOwnedByProfile": True,
                "IsCustom": component.custom is not False,  # a profile made by a deploy is custom
                "ProfileId": profile_id,
                "Type": "Profile",
                "LicenseId": license_id(store, license_name),
            },
        )
        existing = {"Id": profile_id}
    profile_id = str(existing["Id"])
    perms = _permission_fields(store, "Profile", profile_id, component, patch=patch)
    changes: dict[str, Any] = dict(perms)
    if component.description is not None:
        changes["Description"] = component.description
    store.update_record(profile_id, changes)
    owned = store.find_record("PermissionSet", ProfileId=profile_id)
    if owned is not None:
        store.update_record(str(owned["Id"]), perms)
    return profile_id


def _sync_group(store: Store, group: PermissionSetGroup) -> str:
    existing = store.find_record("PermissionSetGroup", DeveloperName=group.name)
    fields = {
        "DeveloperName": group.name,
        "MasterLabel": group.label or group.name,
        "Description": group.description,
        "HasActivationRequired": bool(group.has_activation_required),
        "Status": "Updated",
        "_PermissionSets": list(group.permission_sets),
        "_MutingPermissionSets": list(group.muting_permission_sets),
    }
    if existing:
        store.update_record(str(existing["Id"]), fields)
        return str(existing["Id"])
    group_id = store.insert_record("PermissionSetGroup", fields)
    store.insert_record(
        "PermissionSet",
        {
            "Name": group.name,
            "Label": group.label or group.name,
            "IsOwnedByProfile": False,
            "Type": "Group",
            "PermissionSetGroupId": group_id,
        },
    )
    return group_id


def remove_component(store: Store, kind: Kind, full_name: str) -> None:
    """Delete the records behind a deleted component."""
    if kind is Kind.PERMISSION_SET_GROUP:
        group = store.find_record("PermissionSetGroup", DeveloperName=full_name)
        if group:
            store.delete_record(str(group["Id"]))
            owned = store.find_record("PermissionSet", PermissionSetGroupId=group["Id"])
            if owned:
                store.delete_record(str(owned["Id"]))
        return
    if kind is Kind.PROFILE:
        profile = store.find_record("Profile", Name=profile_display_name(full_name))
        if profile:
            store.delete_record(str(profile["Id"]))
            owned = store.find_record("PermissionSet", ProfileId=profile["Id"])
            if owned:
                store.delete_record(str(owned["Id"]))
        return
    record = store.find_record("PermissionSet", Name=full_name, IsOwnedByProfile=False)
    if record:
        store.delete_record(str(record["Id"]))
