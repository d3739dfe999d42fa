"""REST writes the org allows: Users, PermissionSetAssignments, PermissionSetLicenseAssigns,
with Salesforce's checks (required fields, unique usernames, licence seats, licence match).
"""

from __future__ import annotations

import re
from typing import Any

from apionly_deploy.emulator import sobjects
from apionly_deploy.emulator.http import Response, json_response, rest_error
from apionly_deploy.emulator.org import Org
from apionly_deploy.emulator.store import Session

CREATABLE = frozenset({"User", "PermissionSetAssignment", "PermissionSetLicenseAssign"})
_REQUIRED = {
    "User": (
        "Username",
        "LastName",
        "Email",
        "Alias",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "LanguageLocaleKey",
        "ProfileId",
    ),
    "PermissionSetAssignment": ("AssigneeId",),
    "PermissionSetLicenseAssign": ("AssigneeId", "PermissionSetLicenseId"),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Permission set licences tied to one user licence.
PSL_USER_LICENSE = {"SalesforceAPIIntegrationPsl": "Salesforce Integration"}


class Refused(Exception):
    def __init__(
        self, code: str, message: str, fields: list[str] | None = None, status: int = 400
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.fields, self.status = code, message, fields or [], status

    def response(self) -> Response:
        return rest_error(self.status, self.code, self.message, fields=self.fields)


def _clean(sobject: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Refused("JSON_PARSER_ERROR", "The request body must be a JSON object.")
    fields: dict[str, Any] = {}
    for key, value in body.items():
        if key == "attributes":
            continue
        name = sobjects.canonical_field(sobject, key)
        if name is None or name == "Id":
            raise Refused("INVALID_FIELD", f"No such column '{key}' on sobject of type {sobject}")
        fields[name] = value
    return fields


def create(org: Org, sobject: str, body: Any, session: Session) -> Response:
    del session
    if sobject not in CREATABLE:
        return rest_error(400, "INVALID_TYPE", f"Cannot create records of type {sobject}")
    try:
        fields = _clean(sobject, body)
        missing = [f for f in _REQUIRED[sobject] if fields.get(f) in (None, "")]
        if missing:
            raise Refused(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
        with org.store.transaction():
            record_id = _CREATORS[sobject](org, fields)
    except Refused as exc:
        return exc.response()
    return json_response(201, {"id": record_id, "success": True, "errors": []})


def update(org: Org, sobject: str, record_id: str, body: Any) -> Response:
    found = org.store.get_record(record_id)
    if found is None or found[0] != sobject:
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
    if sobject != "User":
        return rest_error(
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {sobject} records cannot be updated",
        )
    try:
        changes = _clean(sobject, body)
        with org.store.transaction():
            _update_user(org, found[1], changes)
    except Refused as exc:
        return exc.response()
    return Response(204)


def delete(org: Org, sobject: str, record_id: str) -> Response:
    found = org.store.get_record(record_id)
    if found is None or found[0] != sobject:
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
    if sobject not in ("PermissionSetAssignment", "PermissionSetLicenseAssign"):
        return rest_error(400, "DELETE_FAILED", f"{sobject} records cannot be deleted")
    with org.store.transaction():
        org.store.delete_record(record_id)
        if sobject == "PermissionSetLicenseAssign":
            _seat(org, "PermissionSetLicense", found[1]["PermissionSetLicenseId"], -1)
    return Response(204)


def _seat(org: Org, sobject: str, record_id: str | None, change: int) -> None:
    """Use (+1) or free (-1) one licence seat; refuse when none is left."""
    found = org.store.get_record(record_id or "")
    if found is None:
        return
    fields = found[1]
    used = int(fields.get("UsedLicenses") or 0) + change
    if change > 0 and used > int(fields.get("TotalLicenses") or 0):
        raise Refused("LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded")
    org.store.update_record(str(fields["Id"]), {"UsedLicenses": max(used, 0)})


def _profile_license(org: Org, profile_id: str) -> dict[str, Any]:
    profile = org.store.get_record(profile_id)
    if profile is None or profile[0] != "Profile":
        raise Refused("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["ProfileId"])
    found = org.store.get_record(str(profile[1].get("UserLicenseId") or ""))
    return found[1] if found else {}


def _create_user(org: Org, fields: dict[str, Any]) -> str:
    username = str(fields["Username"])
    if not _EMAIL.match(username):
        raise Refused(
            "INVALID_EMAIL_ADDRESS", f"Username: invalid email address: {username}", ["Username"]
        )
    if org.user_by_name(username) is not None:
        raise Refused(
            "DUPLICATE_USERNAME",
            "Duplicate Username.<br>The username already exists in this or another Salesforce "
            "organization. Usernames must be unique across all Salesforce organizations. To "
            "resolve, use a different username (it doesn't need to match the user's email "
            "address).",
            ["Username"],
        )
    license_record = _profile_license(org, str(fields["ProfileId"]))
    active = fields.get("IsActive", True) is not False
    if active:
        _seat(org, "UserLicense", license_record.get("Id"), +1)
    now = org.now()
    name = " ".join(str(p) for p in (fields.get("FirstName"), fields["LastName"]) if p)
    record: dict[str, Any] = {f: None for f in sobjects.FIELDS["User"]}
    record.update(
        fields,
        Name=name,
        IsActive=active,
        UserType="Standard",
        CreatedDate=now,
        LastModifiedDate=now,
    )
    return org.store.insert_record("User", record)


def _update_user(org: Org, user: dict[str, Any], changes: dict[str, Any]) -> None:
    renamed = (
        str(changes.get("Username", user["Username"])).lower() != str(user["Username"]).lower()
    )
    if renamed and org.user_by_name(str(changes["Username"])) is not None:
        raise Refused("DUPLICATE_USERNAME", "Duplicate Username.", ["Username"])
    was_active = user.get("IsActive", True) is not False
    now_active = changes.get("IsActive", was_active) is not False
    old_license = _profile_license(org, str(user["ProfileId"])).get("Id")
    new_license = _profile_license(org, str(changes.get("ProfileId", user["ProfileId"]))).get("Id")
    if was_active:
        _seat(org, "UserLicense", old_license, -1)
    if now_active:
        _seat(org, "UserLicense", new_license, +1)
    merged = {**user, **changes}
    changes["Name"] = " ".join(str(p) for p in (merged.get("FirstName"), merged["LastName"]) if p)
    changes["LastModifiedDate"] = org.now()
    org.store.update_record(str(user["Id"]), changes)


def _create_assignment(org: Org, fields: dict[str, Any]) -> str:
    user = _user(org, str(fields["AssigneeId"]))
    set_id, group_id = fields.get("PermissionSetId"), fields.get("PermissionSetGroupId")
    if not set_id and group_id:
        owned = org.store.find_record("PermissionSet", PermissionSetGroupId=group_id)
        set_id = owned["Id"] if owned else None
    found = org.store.get_record(str(set_id or ""))
    if found is None or found[0] != "PermissionSet":
        raise Refused(
            "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["PermissionSetId"]
        )
    permission_set = found[1]
    if permission_set.get("IsOwnedByProfile"):
        raise Refused(
            "INVALID_CROSS_REFERENCE_KEY",
            "You can't assign or unassign this permission set because it's associated "
            "with a profile.",
            ["PermissionSetId"],
        )
    for existing in org.store.records("PermissionSetAssignment"):
        if (
            existing["AssigneeId"][:15] == user["Id"][:15]
            and str(existing["PermissionSetId"])[:15] == str(permission_set["Id"])[:15]
        ):
            raise Refused(
                "DUPLICATE_VALUE",
                "duplicate value found: <unknown> duplicates value "
                f"on record with id: {existing['Id']}",
            )
    _check_set_license(org, user, permission_set)
    return org.store.insert_record(
        "PermissionSetAssignment",
        {
            "AssigneeId": user["Id"],
            "PermissionSetId": permission_set["Id"],
            "PermissionSetGroupId": permission_set.get("PermissionSetGroupId"),
            "IsActive": True,
            "ExpirationDate": fields.get("ExpirationDate"),
        },
    )


def _user(org: Org, user_id: str) -> dict[str, Any]:
    found = org.store.get_record(user_id)
    if found is None or found[0] != "User":
        raise Refused("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["AssigneeId"])
    return found[1]


def _check_set_license(org: Org, user: dict[str, Any], permission_set: dict[str, Any]) -> None:
    license_id = str(permission_set.get("LicenseId") or "")
    found = org.store.get_record(license_id) if license_id else None
    if found is None:
        return
    label = permission_set.get("Label") or permission_set.get("Name")
    if found[0] == "PermissionSetLicense":
        assigned = any(
            a["AssigneeId"][:15] == user["Id"][:15]
            and a["PermissionSetLicenseId"][:15] == license_id[:15]
            for a in org.store.records("PermissionSetLicenseAssign")
        )
        if not assigned:
            raise Refused(
                "FIELD_INTEGRITY_EXCEPTION",
                f"Can't assign permission set {label} to user {user['Username']}. The user "
                f"needs the {found[1]['MasterLabel']} permission set license first.",
                ["PermissionSetId"],
            )
        return
    user_license = _profile_license(org, str(user["ProfileId"]))
    if user_license.get("Id", "")[:15] != license_id[:15]:
        raise Refused(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Can't assign permission set {label} to user {user['Username']}. The user license "
            "doesn't match the permission set's license.",
            ["PermissionSetId"],
        )


def _create_license_assignment(org: Org, fields: dict[str, Any]) -> str:
    user = _user(org, str(fields["AssigneeId"]))
    found = org.store.get_record(str(fields["PermissionSetLicenseId"]))
    if found is None or found[0] != "PermissionSetLicense":
        raise Refused(
            "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["PermissionSetLicenseId"]
        )
    psl = found[1]
    for existing in org.store.records("PermissionSetLicenseAssign"):
        if (
            existing["AssigneeId"][:15] == user["Id"][:15]
            and existing["PermissionSetLicenseId"][:15] == psl["Id"][:15]
        ):
            raise Refused(
                "DUPLICATE_VALUE",
                "duplicate value found: <unknown> duplicates value "
                f"on record with id: {existing['Id']}",
            )
    required = PSL_USER_LICENSE.get(str(psl["DeveloperName"]))
    if required and _profile_license(org, str(user["ProfileId"])).get("Name") != required:
        raise Refused(
            "FIELD_INTEGRITY_EXCEPTION",
            f"The {psl['MasterLabel']} permission set license can be assigned only to users "
            f"with the {required} user license.",
            ["PermissionSetLicenseId"],
        )
    _seat(org, "PermissionSetLicense", str(psl["Id"]), +1)
    return org.store.insert_record(
        "PermissionSetLicenseAssign",
        {
            "AssigneeId": user["Id"],
            "PermissionSetLicenseId": psl["Id"],
        },
    )


_CREATORS = {
    "User": _create_user,
    "PermissionSetAssignment": _create_assignment,
    "PermissionSetLicenseAssign": _create_license_assignment,
}
