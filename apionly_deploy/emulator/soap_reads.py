"""Metadata SOAP reads: retrieve, checkRetrieveStatus, listMetadata, readMetadata,
describeMetadata.
"""

from __future__ import annotations

from lxml import etree

from apionly_deploy.emulator import components, facts, packages
from apionly_deploy.emulator.org import Org
from apionly_deploy.emulator.retrieves import RetrieveRequest, RetrieveResult
from apionly_deploy.emulator.seed import STANDARD_OBJECTS
from apionly_deploy.emulator.soap import (
    XSI,
    async_result,
    boolean,
    element,
    operation_response,
    sub,
    timestamp,
)
from apionly_deploy.emulator.store import Session
from apionly_deploy.model.xmldoc import METADATA_NS, local_name, parse_bytes

M = f"{{{METADATA_NS}}}"


def _text(parent: etree._Element, tag: str) -> str | None:
    found = parent.find(M + tag)
    return None if found is None else (found.text or "").strip()


def _user_name(org: Org, user_id: str) -> str:
    return str(org.user(user_id).get("Name") or "")


def retrieve(org: Org, session: Session, body: etree._Element) -> etree._Element:
    request_node = body.find(M + "retrieveRequest")
    if request_node is None:  # jsforce's name for it, which real orgs accept
        request_node = body.find(M + "request")
    assert request_node is not None  # noqa: S101 - required by the schema
    unpackaged = request_node.find(M + "unpackaged")
    types: list[tuple[str, tuple[str, ...]]] = []
    if unpackaged is not None:
        for entry in unpackaged.findall(M + "types"):
            members = tuple((m.text or "").strip() for m in entry.findall(M + "members"))
            types.append((_text(entry, "name") or "", members))
    request = RetrieveRequest(
        api_version=_text(request_node, "apiVersion") or org.settings.api_version,
        single_package=boolean(_text(request_node, "singlePackage"), False),
        types=tuple(types),
        package_names=tuple(
            (e.text or "").strip() for e in request_node.findall(M + "packageNames")
        ),
        specific_files=tuple(
            (e.text or "").strip() for e in request_node.findall(M + "specificFiles")
        ),
    )
    job_id = org.retrieves.start(request, user_id=session.user_id)
    return async_result("retrieve", job_id, "Queued")


def check_retrieve_status(org: Org, session: Session, body: etree._Element) -> etree._Element:
    include_zip = boolean(_text(body, "includeZip"), True)
    result = org.retrieves.status(_text(body, "asyncProcessId") or "", include_zip=include_zip)
    response = operation_response("checkRetrieveStatus")
    response.append(_retrieve_result_xml(org, result))
    return response


def _retrieve_result_xml(org: Org, result: RetrieveResult) -> etree._Element:
    node = element("result")
    sub(node, "done", result.done)
    if result.error_message:
        sub(node, "errorMessage", result.error_message)
        sub(node, "errorStatusCode", result.error_status_code)
    user_id = result.created_by[:15]
    user_name = _user_name(org, result.created_by)
    for prop in result.files:
        _file_properties(
            node,
            "fileProperties",
            prop.file_name,
            prop.full_name,
            prop.type,
            prop.id,
            prop.created,
            prop.modified,
            user_id,
            user_name,
        )
    sub(node, "id", result.id)
    for file_name, problem in result.messages:
        message = sub(node, "messages")
        sub(message, "fileName", file_name)
        sub(message, "problem", problem)
    sub(node, "status", result.status)
    sub(node, "success", result.success)
    if result.zip_file is None:
        sub(node, "zipFile", nil=True)
    else:
        sub(node, "zipFile", result.zip_file)
    return node


def _file_properties(
    parent: etree._Element,
    tag: str,
    file_name: str,
    full_name: str,
    type_name: str,
    record_id: str,
    created: float,
    modified: float,
    user_id: str,
    user_name: str,
) -> None:
    node = sub(parent, tag)
    sub(node, "createdById", user_id)
    sub(node, "createdByName", user_name)
    sub(node, "createdDate", timestamp(created))
    sub(node, "fileName", file_name)
    sub(node, "fullName", full_name)
    sub(node, "id", record_id)
    sub(node, "lastModifiedById", user_id)
    sub(node, "lastModifiedByName", user_name)
    sub(node, "lastModifiedDate", timestamp(modified))
    sub(node, "manageableState", "unmanaged")
    sub(node, "type", type_name)


def list_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    response = operation_response("listMetadata")
    admin = org.credentials.admin_user_id
    user_id, user_name = admin[:15], _user_name(org, admin)
    del session
    for query in body.findall(M + "queries"):
        type_name = _text(query, "type") or ""
        for listed in _listed(org, type_name):
            _file_properties(response, "result", *listed, user_id, user_name)
    return response


def _listed(org: Org, type_name: str) -> list[tuple[str, str, str, str, float, float]]:
    """Return (file, full name, type, id, created, modified) of each component of a type:
    stored ones, the standard objects, and record types defined in stored objects."""
    if type_name == "RecordType":
        return [
            (stored.file_name, name, type_name, stored.id, stored.created, stored.modified)
            for stored in org.store.components("CustomObject")
            for kind, name in facts.companion_names("CustomObject", stored.full_name, stored.xml)
            if kind == "RecordType"
        ]
    if type_name not in packages.TYPE_FOLDERS:
        return []
    found = [
        (s.file_name, s.full_name, type_name, s.id, s.created, s.modified)
        for s in org.store.components(type_name)
    ]
    if type_name == "CustomObject":
        names = {f[1] for f in found}
        found += [  # standard objects have no id and no dates of their own
            (f"objects/{name}.object", name, type_name, "", 0.0, 0.0)
            for name in STANDARD_OBJECTS
            if name not in names
        ]
    return found


def read_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    del session
    type_name = _text(body, "type") or ""
    response = operation_response("readMetadata")
    result = sub(response, "result")
    for full_name in body.findall(M + "fullNames"):
        name = (full_name.text or "").strip()
        stored = (
            org.store.get_component(type_name, name) if type_name in packages.TYPE_FOLDERS else None
        )
        if stored is None:
            continue
        record = sub(result, "records")
        record.set(f"{{{XSI}}}type", type_name)
        sub(record, "fullName", name)
        xml = components.served_xml(stored)
        for child in list(parse_bytes(xml)):
            if isinstance(child.tag, str) and local_name(child) != "fullName":
                record.append(child)
    return response


_DESCRIBED = (
    ("Profile", False),
    ("PermissionSet", False),
    ("PermissionSetGroup", False),
    ("MutingPermissionSet", False),
    ("CustomObject", False),
    ("ApexClass", True),
    ("ApexPage", True),
    ("CustomTab", False),
    ("CustomApplication", False),
    ("CustomPermission", False),
    ("Layout", False),
)


def describe_metadata(org: Org, session: Session, body: etree._Element) -> etree._Element:
    del session, body
    response = operation_response("describeMetadata")
    result = sub(response, "result")
    for type_name, meta_file in _DESCRIBED:
        folder, suffix = packages.TYPE_FOLDERS[type_name]
        entry = sub(result, "metadataObjects")
        if type_name == "CustomObject":
            for child in ("CustomField", "RecordType", "ListView", "ValidationRule"):
                sub(entry, "childXmlNames", child)
        sub(entry, "directoryName", folder)
        sub(entry, "inFolder", False)
        sub(entry, "metaFile", meta_file)
        sub(entry, "suffix", suffix)
        sub(entry, "xmlName", type_name)
    sub(result, "organizationNamespace", "")
    sub(result, "partialSaveAllowed", True)
    sub(result, "testRequired", not org.settings.sandbox)
    return response
