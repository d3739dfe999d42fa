"""What the org holds, read the way the deploy checks need it: licences, objects and fields,
permission sets, and the names of every companion component (classes, flows, record types...)."""

from __future__ import annotations

from apionly_deploy.emulator import checks, packages
from apionly_deploy.emulator.store import Store
from apionly_deploy.errors import XmlError
from apionly_deploy.model.xmldoc import METADATA_NS, parse_bytes


def stored_facts(store: Store) -> checks.OrgFacts:
    components = _stored_components(store)
    sets = {str(r["Name"]) for r in store.records("PermissionSet") if r.get("Type") == "Regular"}
    return checks.OrgFacts(
        user_licenses=frozenset(str(r["Name"]) for r in store.records("UserLicense")),
        permission_set_licenses=frozenset(
            name
            for r in store.records("PermissionSetLicense")
            for name in (str(r["DeveloperName"]), str(r["MasterLabel"]))
        ),
        custom_objects=components.get("CustomObject", frozenset()),
        custom_fields=components.get("CustomField", frozenset()),
        permission_sets=frozenset(sets),
        components=components,
    )


def _stored_components(store: Store) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for type_name in packages.TYPE_FOLDERS:
        for stored in store.components(type_name):
            for kind, name in companion_names(type_name, stored.full_name, stored.xml):
                found.setdefault(kind, set()).add(name)
    return {kind: frozenset(names) for kind, names in found.items()}


def companion_names(type_name: str, full_name: str, xml: bytes) -> list[tuple[str, str]]:
    """Return (metadata type, name) of a component and of what it defines: an object's fields
    and record types (``Account.Partner``), an external credential's principals
    (``Cred-Principal``). Each file is parsed once, for all of them."""
    found = [(type_name, full_name)]
    if type_name not in ("CustomObject", "ExternalCredential"):
        return found
    try:
        root = parse_bytes(xml)
    except XmlError:
        return found
    ns = f"{{{METADATA_NS}}}"
    if type_name == "CustomObject":
        for tag, kind in (("fields", "CustomField"), ("recordTypes", "RecordType")):
            for child in root.findall(f"{ns}{tag}"):
                name = (child.findtext(f"{ns}fullName") or "").strip()
                found.append((kind, f"{full_name}.{name}"))
    else:
        for parameter in root.findall(f"{ns}externalCredentialParameters"):
            kind = (parameter.findtext(f"{ns}parameterType") or "").strip()
            name = (parameter.findtext(f"{ns}parameterName") or "").strip()
            if kind.endswith("Principal"):
                found.append(("ExternalCredentialPrincipal", f"{full_name}-{name}"))
    return found
