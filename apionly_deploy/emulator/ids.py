"""Salesforce-shaped record ids (18 characters, key prefix first) and access tokens."""

from __future__ import annotations

import secrets
import string

#: Key prefixes Salesforce gives each object; the prefix tells which object an id belongs to.
KEY_PREFIXES = {
    "Organization": "00D",
    "User": "005",
    "Profile": "00e",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
    "PermissionSetGroup": "0PG",
    "PermissionSetLicense": "0PL",
    "PermissionSetLicenseAssign": "2LA",
    "UserLicense": "100",
    "DeployRequest": "0Af",
    "RetrieveRequest": "09S",
    "CustomObject": "01I",
    "Component": "0Ex",
}
_OBJECT_OF_PREFIX = {prefix: name for name, prefix in KEY_PREFIXES.items()}

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"


def _checksum(id15: str) -> str:
    """Return the three case-encoding characters that make a 15-character id 18 long."""
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if ch.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def to_18(id15: str) -> str:
    """Return the 18-character form of a 15-character id."""
    return id15 + _checksum(id15) if len(id15) == 15 else id15


def make_id(object_name: str, number: int, *, pod: str = "Dn") -> str:
    """Return the 18-character id number ``number`` of ``object_name``."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    body = digits.rjust(10, "0")[-10:]
    return to_18(KEY_PREFIXES[object_name] + pod + body)


def random_org_id() -> str:
    """Return a new random organization id."""
    body = "".join(secrets.choice(_BASE62) for _ in range(10))
    return to_18("00D" + "Dn" + body)


def object_of_id(record_id: str) -> str | None:
    """Return the object an id's key prefix stands for."""
    return _OBJECT_OF_PREFIX.get(record_id[:3])


def same_id(a: str, b: str) -> bool:
    """Return True when two ids (15 or 18 characters) name the same record."""
    return bool(a) and bool(b) and a[:15] == b[:15]


def new_access_token(org_id: str) -> str:
    """Return a session id shaped like Salesforce's: ``00D<15-char org id>!<secret>``."""
    return f"{org_id[:15]}!{secrets.token_urlsafe(72).replace('-', '.').replace('_', '.')}"


def new_secret(length: int = 32) -> str:
    """Return a random alphanumeric secret."""
    return "".join(secrets.choice(_BASE62) for _ in range(length))
