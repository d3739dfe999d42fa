"""A fresh org as Salesforce hands it out: an Enterprise Edition org with the Salesforce
Integration user licence, its standard profiles, the API integration permission set licence
and one administrator. Facts and their sources: SOURCES.md beside this file.
"""

from __future__ import annotations

from apionly_deploy.emulator import components, ids, records
from apionly_deploy.emulator.store import Store, StoredComponent
from apionly_deploy.model.components import Kind, PermissionContainer, UserPermission

#: (Name, LicenseDefinitionKey, TotalLicenses) of the user licences of a new EE org.
USER_LICENSES = (
    ("Salesforce", "SFDC", 10),
    ("Salesforce Platform", "AUL", 10),
    ("Salesforce Integration", "SFDC_INTEGRATION", 5),
    ("Identity", "PID_Identity", 100),
    ("Chatter Free", "PID_Chatter", 5000),
    ("Guest User License", "PID_Guest_User", 1),
)
#: (DeveloperName, MasterLabel, TotalLicenses) of the permission set licences.
PERMISSION_SET_LICENSES = (("SalesforceAPIIntegrationPsl", "Salesforce API Integration", 5),)

_ADMIN_PERMISSIONS = (
    "ApiEnabled",
    "AuthorApex",
    "CustomizeApplication",
    "ManageUsers",
    "ModifyAllData",
    "ViewAllData",
    "ViewSetup",
    "ManageProfilesPermissionsets",
    "AssignPermissionSets",
    "ViewRoles",
    "ViewAllUsers",
)
_STANDARD_PERMISSIONS = ("ApiEnabled", "ChatterInternalUser", "EditTask", "RunReports")
#: Standard objects a new Enterprise Edition org has and lists (a subset: those permission files
#: most often name); their own files are not modelled.
STANDARD_OBJECTS = (
    "Account",
    "Asset",
    "Campaign",
    "Case",
    "Contact",
    "Contract",
    "Document",
    "Idea",
    "Lead",
    "Opportunity",
    "Order",
    "Pricebook2",
    "Product2",
    "Solution",
)
#: (API name, user licence, user permissions) of the standard profiles.
PROFILES = (
    ("Admin", "Salesforce", _ADMIN_PERMISSIONS),
    ("Standard", "Salesforce", _STANDARD_PERMISSIONS),
    ("Read Only", "Salesforce", ("ApiEnabled", "RunReports")),
    ("MarketingProfile", "Salesforce", _STANDARD_PERMISSIONS),
    ("ContractManager", "Salesforce", _STANDARD_PERMISSIONS),
    ("SolutionManager", "Salesforce", _STANDARD_PERMISSIONS),
    ("StandardAul", "Salesforce Platform", ("ApiEnabled", "ChatterInternalUser")),
    ("Minimum Access - Salesforce", "Salesforce", ()),
    (
        "Salesforce API Only System Integrations",
        "Salesforce Integration",
        ("ApiEnabled", "ApiUserOnly", "ChatterInternalUser"),
    ),
    (
        "Minimum Access - API Only Integrations",
        "Salesforce Integration",
        ("ApiEnabled", "ApiUserOnly", "ChatterInternalUser"),
    ),
)


def standard_profile(
    full_name: str, user_license: str, permissions: tuple[str, ...]
) -> PermissionContainer:
    """Return a standard profile (custom=false) with the given user permissions."""
    return PermissionContainer(
        kind=Kind.PROFILE,
        name=full_name,
        custom=False,
        user_license=user_license,
        user_permissions=tuple(UserPermission(name) for name in sorted(permissions)),
    )


def seed(store: Store, *, org_name: str, sandbox: bool, username: str, now: float) -> str:
    """Fill an empty store with a new org; return the administrator's user id."""
    with store.transaction():
        for name, key, total in USER_LICENSES:
            store.insert_record(
                "UserLicense",
                {
                    "Name": name,
                    "MasterLabel": name,
                    "LicenseDefinitionKey": key,
                    "Status": "Active",
                    "TotalLicenses": total,
                    "UsedLicenses": 0,
                },
            )
        for developer_name, label, total in PERMISSION_SET_LICENSES:
            store.insert_record(
                "PermissionSetLicense",
                {
                    "DeveloperName": developer_name,
                    "MasterLabel": label,
                    "PermissionSetLicenseKey": developer_name,
                    "Status": "Active",
                    "TotalLicenses": total,
                    "UsedLicenses": 0,
                    "ExpirationDate": None,
                },
            )
        for full_name, user_license, permissions in PROFILES:
            component = standard_profile(full_name, user_license, permissions)
            record_id = records.sync_component(store, component)
            store.put_component(
                StoredComponent(
                    type="Profile",
                    full_name=full_name,
                    file_name=f"profiles/{full_name}.profile",
                    xml=components.stored_xml(component),
                    id=record_id,
                    created=now,
                    modified=now,
                )
            )
        admin_profile = store.find_record("Profile", Name="System Administrator")
        assert admin_profile is not None  # noqa: S101 - seeded just above
        user_id = store.insert_record(
            "User",
            {
                "Username": username,
                "LastName": "Administrator",
                "FirstName": "Local",
                "Name": "Local Administrator",
                "Email": username,
                "Alias": "ladmin",
                "ProfileId": admin_profile["Id"],
                "UserType": "Standard",
                "IsActive": True,
                "TimeZoneSidKey": "America/Los_Angeles",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "UserRoleId": None,
                "FederationIdentifier": None,
            },
        )
        _count_license(store, "Salesforce")
        store.insert_record(
            "Organization",
            {
                "Id": store.get_meta("org_id") or ids.random_org_id(),
                "Name": org_name,
                "InstanceName": "LOCAL1",
                "IsSandbox": sandbox,
                "TrialExpirationDate": None,
                "NamespacePrefix": None,
                "OrganizationType": "Enterprise Edition",
            },
        )
    return user_id


def _count_license(store: Store, name: str) -> None:
    found = store.find_record("UserLicense", Name=name)
    if found:
        store.update_record(str(found["Id"]), {"UsedLicenses": int(found["UsedLicenses"]) + 1})
