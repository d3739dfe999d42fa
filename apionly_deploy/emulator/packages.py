"""Find what a deploy zip holds: its package.xml, the components it names, their files."""

from __future__ import annotations

from dataclasses import dataclass

from apionly_deploy.errors import XmlError
from apionly_deploy.model import names
from apionly_deploy.model.xmldoc import METADATA_NS, local_name, parse_bytes

#: Metadata types the org keeps, with their mdapi folder and file suffix.
TYPE_FOLDERS: dict[str, tuple[str, str]] = {
    "Profile": ("profiles", "profile"),
    "PermissionSet": ("permissionsets", "permissionset"),
    "PermissionSetGroup": ("permissionsetgroups", "permissionsetgroup"),
    "MutingPermissionSet": ("mutingpermissionsets", "mutingpermissionset"),
    "CustomObject": ("objects", "object"),
    "ApexClass": ("classes", "cls"),
    "ApexPage": ("pages", "page"),
    "CustomTab": ("tabs", "tab"),
    "CustomApplication": ("applications", "app"),
    "CustomPermission": ("customPermissions", "customPermission"),
    "Layout": ("layouts", "layout"),
    "Flow": ("flows", "flow"),
    "ExternalCredential": ("externalCredentials", "externalCredential"),
    "ExternalDataSource": ("dataSources", "dataSource"),
}
#: Types Salesforce knows that the emulator accepts without keeping (children of objects...).
CHILD_TYPES = frozenset({"CustomField", "RecordType", "ListView", "ValidationRule"})
#: Permission types in the order a deploy applies them (sets before the groups naming them).
PERMISSION_ORDER = ("PermissionSet", "MutingPermissionSet", "PermissionSetGroup", "Profile")
DESTRUCTIVE = ("destructiveChangesPre.xml", "destructiveChanges.xml", "destructiveChangesPost.xml")


@dataclass(frozen=True, slots=True)
class Member:
    type: str
    full_name: str
    path: str  # path in the zip, with the package folder in front


@dataclass(frozen=True, slots=True)
class Manifest:
    root: str  # "" or "folder/"
    version: str | None
    types: tuple[tuple[str, tuple[str, ...]], ...]


def package_roots(files: dict[str, bytes]) -> list[str]:
    """Return the folders holding a package.xml: the zip root, else each top-level folder."""
    if "package.xml" in files:
        return [""]
    return sorted(
        name[: -len("package.xml")]
        for name in files
        if name.count("/") == 1 and name.endswith("/package.xml")
    )


def read_manifest(files: dict[str, bytes], root: str, file_name: str = "package.xml") -> Manifest:
    """Parse a package.xml (or destructiveChanges.xml); raise XmlError when it is not one."""
    source = root + file_name
    element = parse_bytes(files[source], source=source)
    if local_name(element) != "Package":
        raise XmlError.at(source, "the root element must be <Package>", line=1, column=1)
    types: list[tuple[str, tuple[str, ...]]] = []
    for entry in element.findall(f"{{{METADATA_NS}}}types"):
        type_name = (entry.findtext(f"{{{METADATA_NS}}}name") or "").strip()
        members = tuple((m.text or "").strip() for m in entry.findall(f"{{{METADATA_NS}}}members"))
        types.append((type_name, members))
    version = element.findtext(f"{{{METADATA_NS}}}version")
    return Manifest(root=root, version=version.strip() if version else None, types=tuple(types))


def files_of_type(files: dict[str, bytes], root: str, type_name: str) -> dict[str, str]:
    """Return {component name: zip path} for every file of a type under a package root."""
    folder, suffix = TYPE_FOLDERS[type_name]
    prefix = f"{root}{folder}/"
    found: dict[str, str] = {}
    for path in files:
        if (
            path.startswith(prefix)
            and path.endswith(f".{suffix}")
            and "/" not in path[len(prefix) :]
        ):
            found[names.component_name(path[len(prefix) :])] = path
    return found


def mdapi_file_name(type_name: str, full_name: str) -> str:
    """Return the path of a component in Metadata API layout (``profiles/Admin.profile``)."""
    folder, suffix = TYPE_FOLDERS[type_name]
    return f"{folder}/{names.encode_file_name(full_name)}.{suffix}"
