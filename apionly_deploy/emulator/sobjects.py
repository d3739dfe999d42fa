"""The sObjects the local org knows: their fields, key prefixes and lookups."""

from __future__ import annotations

from apionly_deploy.emulator import checks

_COMMON = (
    "Id",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)

FIELDS: dict[str, tuple[str, ...]] = {
    "User": (
        "Username",
        "FirstName",
        "LastName",
        "Name",
        "Email",
        "Alias",
        "CommunityNickname",
        "ProfileId",
        "UserRoleId",
        "UserType",
        "IsActive",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "LanguageLocaleKey",
        "FederationIdentifier",
        "Title",
        "Department",
        "CompanyName",
        "LastLoginDate",
    ),
    "Profile": ("Name", "Description", "UserLicenseId", "UserType"),
    "PermissionSet": (
        "Name",
        "Label",
        "Description",
        "IsOwnedByProfile",
        "IsCustom",
        "ProfileId",
        "LicenseId",
        "PermissionSetGroupId",
        "Type",
        "NamespacePrefix",
        "HasActivationRequired",
    ),
    "PermissionSetGroup": (
        "DeveloperName",
        "MasterLabel",
        "Description",
        "Status",
        "HasActivationRequired",
        "NamespacePrefix",
    ),
    "PermissionSetAssignment": (
        "AssigneeId",
        "PermissionSetId",
        "PermissionSetGroupId",
        "IsActive",
        "ExpirationDate",
    ),
    "UserLicense": (
        "Name",
        "MasterLabel",
        "LicenseDefinitionKey",
        "Status",
        "TotalLicenses",
        "UsedLicenses",
    ),
    "PermissionSetLicense": (
        "DeveloperName",
        "MasterLabel",
        "PermissionSetLicenseKey",
        "Status",
        "TotalLicenses",
        "UsedLicenses",
        "ExpirationDate",
    ),
    "PermissionSetLicenseAssign": ("AssigneeId", "PermissionSetLicenseId"),
    "Organization": (
        "Name",
        "InstanceName",
        "IsSandbox",
        "TrialExpirationDate",
        "NamespacePrefix",
        "OrganizationType",
    ),
}
#: Objects whose ``Permissions<Name>`` fields mirror their user permissions.
WITH_PERMISSIONS = frozenset({"Profile", "PermissionSet"})
#: Lookups whose target depends on the id (PermissionSet.License: a user or set licence).
POLYMORPHIC = {("PermissionSet", "License"): ("UserLicense", "PermissionSetLicense")}


def canonical_object(name: str) -> str | None:
    """Return an object's name as Salesforce spells it (SOQL is case-insensitive)."""
    return next((o for o in FIELDS if o.lower() == name.lower()), None)


def all_fields(sobject: str) -> tuple[str, ...]:
    return ("Id", *FIELDS[sobject], *[f for f in _COMMON if f != "Id"])


def canonical_field(sobject: str, name: str) -> str | None:
    """Return a field's canonical name, or None when the object has no such field."""
    lowered = name.lower()
    for field in all_fields(sobject):
        if field.lower() == lowered:
            return field
    if sobject in WITH_PERMISSIONS and lowered.startswith("permissions") and len(name) > 11:
        permission = checks.canonical_permission(name[11:])
        if permission is not None:
            return "Permissions" + permission
    return None


def relationship_field(sobject: str, relationship: str) -> str | None:
    """Return the id field behind a lookup (``Profile`` -> ``ProfileId``)."""
    return canonical_field(sobject, relationship + "Id")
