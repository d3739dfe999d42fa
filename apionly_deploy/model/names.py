"""Component names: Salesforce's developer-name rules and file-name encoding."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from apionly_deploy.model.components import Kind

# Salesforce percent-encodes characters of a component name that are unsafe in file names when
# it writes retrieved files: a profile named "System Administrator (non-API user)" comes back as
# "System Administrator %28non-API user%29.profile". Spaces and hyphens stay as they are.
_ENCODED = frozenset('%()*/\\:?"<>|')

_SOURCE_SUFFIXES = tuple(f".{kind.suffix}-meta.xml" for kind in Kind)
_MDAPI_SUFFIXES = tuple(f".{kind.suffix}" for kind in Kind)

#: A developer (API) name: a letter first, then letters, digits and single underscores, not
#: ending in an underscore. A managed-package namespace prefix ``ns__`` is allowed in front.
_API_NAME = re.compile(r"(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__)?[A-Za-z](?:_?[A-Za-z0-9])*")
API_NAME_MAX = 80
#: The Metadata API documents 80 characters for permission set names (above). For profile
#: names no Salesforce document found states a length: 255 is this tool's own bound, and the
#: profile's file name must fit in 255 bytes as well.
PROFILE_NAME_MAX = 255
#: The longest file name (in bytes) Linux, macOS and Windows file systems all take.
FILE_NAME_MAX_BYTES = 255
_PROFILE_SUFFIX = f".{Kind.PROFILE.suffix}-meta.xml"


def encode_file_name(name: str) -> str:
    """Return ``name`` as Salesforce writes it into a file name."""
    return "".join(f"%{ord(ch):02X}" if ch in _ENCODED else ch for ch in name)


def component_name(file_name: str) -> str:
    """Return the component name a metadata file name stands for."""
    for suffix in (*_SOURCE_SUFFIXES, *_MDAPI_SUFFIXES):
        if file_name.endswith(suffix):
            return nfc(unquote(file_name[: -len(suffix)]))
    return nfc(unquote(file_name.rsplit(".", 1)[0]))


def nfc(name: str) -> str:
    """Return ``name`` in Unicode NFC: a name typed on one system and its decomposed form read
    from a macOS file name are one component."""
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def kind_of_file_name(file_name: str) -> Kind | None:
    """Return the Kind a file name's suffix says, or None."""
    for kind in Kind:
        if file_name.endswith((f".{kind.suffix}-meta.xml", f".{kind.suffix}")):
            return kind
    return None


def source_path(kind: Kind, name: str) -> str:
    """Return the path of a component in source (sfdx) layout, under ``main/default``."""
    return f"{kind.folder}/{encode_file_name(name)}.{kind.suffix}-meta.xml"


def mdapi_path(kind: Kind, name: str) -> str:
    """Return the path of a component in Metadata API layout."""
    return f"{kind.folder}/{encode_file_name(name)}.{kind.suffix}"


def api_name_problem(name: str) -> str | None:
    """Return why ``name`` is not a valid developer name, or None when it is."""
    if not name:
        return "is empty"
    if len(name) > API_NAME_MAX:
        return f"is {len(name)} characters long; the limit is {API_NAME_MAX}"
    if not _API_NAME.fullmatch(name):
        return (
            "must start with a letter and use only letters, digits and single underscores, "
            "not ending in an underscore"
        )
    return None


def profile_name_problem(name: str) -> str | None:
    """Return why ``name`` cannot be a profile name, or None when it can."""
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "has leading or trailing spaces"
    if len(name) > PROFILE_NAME_MAX:
        return f"is {len(name)} characters long; the limit is {PROFILE_NAME_MAX}"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "holds a control character"
    size = len((encode_file_name(name) + _PROFILE_SUFFIX).encode("utf-8"))
    if size > FILE_NAME_MAX_BYTES:
        return (
            f"makes a file name of {size} bytes (UTF-8); file systems take at most "
            f"{FILE_NAME_MAX_BYTES}"
        )
    return None
