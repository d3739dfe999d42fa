"""The org keeps the model: Profile deploys patch it, retrieve and readMetadata render it."""

from __future__ import annotations

from apionly_deploy.emulator import EmulatorInfo
from apionly_deploy.emulator.store import StoredComponent
from apionly_deploy.model.components import PermissionContainer
from apionly_deploy.model.merge import deployed, patch_profile
from apionly_deploy.model.parse import parse_component_bytes
from apionly_deploy.model.xmldoc import local_name, parse_bytes
from apionly_deploy.render.templates import component_xml
from tests.emulator.conftest import (
    METADATA_NS,
    NS,
    Soap,
    make_zip,
    package_xml,
    retrieve,
    retrieved_files,
    text,
)

NAME = "ERP Integration"
FIRST = f"""<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="{METADATA_NS}">
    <userPermissions><enabled>true</enabled><name>ApiUserOnly</name></userPermissions>
    <userPermissions><enabled>true</enabled><name>ApiEnabled</name></userPermissions>
    <description>First deploy</description>
    <objectPermissions><allowRead>true</allowRead><object>Account</object></objectPermissions>
    <layoutAssignments><layout>Account-Account Layout</layout></layoutAssignments>
    <loginIpRanges><endAddress>203.0.113.255</endAddress><startAddress>203.0.113.0</startAddress>
    </loginIpRanges>
    <userLicense>Salesforce Integration</userLicense>
</Profile>
""".encode()
SECOND = f"""<?xml version="1.0" encoding="UTF-8"?>
<Profile xmlns="{METADATA_NS}">
    <applicationVisibilities><application>standard__Sales</application>
        <default>false</default><visible>true</visible></applicationVisibilities>
    <objectPermissions><allowEdit>true</allowEdit><allowRead>true</allowRead>
        <object>Account</object></objectPermissions>
    <objectPermissions><allowRead>true</allowRead><object>Contact</object></objectPermissions>
    <fieldPermissions><field>Account.Industry</field><readable>true</readable></fieldPermissions>
    <userPermissions><enabled>true</enabled><name>ViewSetup</name></userPermissions>
</Profile>
""".encode()
EVERYTHING = "".join(
    f"<m:types><m:members>{member}</m:members><m:name>{type_name}</m:name></m:types>"
    for type_name, member in (
        ("Profile", NAME),
        ("CustomObject", "*"),
        ("Layout", "*"),
        ("CustomApplication", "*"),
    )
)


def _deploy_profile(soap: Soap, xml: bytes) -> None:
    files = {"package.xml": package_xml(("Profile", [NAME])), f"profiles/{NAME}.profile": xml}
    assert text(soap.wait(soap.deploy(make_zip(files))), "status") == "Succeeded"


def _model(xml: bytes) -> PermissionContainer:
    component = parse_component_bytes(xml, name=NAME)
    assert isinstance(component, PermissionContainer)
    return component


def _merged() -> PermissionContainer:
    """The org's profile after FIRST then SECOND, worked out on the model."""
    first = deployed(None, _model(FIRST))
    assert isinstance(first, PermissionContainer)
    return patch_profile(first, _model(SECOND))


def test_profile_deployed_twice_retrieves_as_the_union(soap: Soap) -> None:
    """Each deploy patches by key; the retrieve is component_xml of the merged model."""
    _deploy_profile(soap, FIRST)
    _deploy_profile(soap, SECOND)
    got = retrieved_files(retrieve(soap, EVERYTHING, single=True))[f"profiles/{NAME}.profile"]
    assert got == component_xml(_merged(), api_version="62.0")
    org = _model(got)
    assert [p.name for p in org.user_permissions] == ["ApiEnabled", "ApiUserOnly", "ViewSetup"]
    assert [(o.object, o.granted()) for o in org.object_permissions] == [
        ("Account", ("read", "edit")),
        ("Contact", ("read",)),
    ]
    assert [f.field for f in org.field_permissions] == ["Account.Industry"]
    assert (org.description, org.user_license) == ("First deploy", "Salesforce Integration")
    assert [r.start for r in org.login_ip_ranges] == ["203.0.113.0"]
    assert [n.tag for n in org.extras] == ["applicationVisibilities", "layoutAssignments"]


def test_read_metadata_serves_the_rendered_model(soap: Soap) -> None:
    _deploy_profile(soap, FIRST)
    _deploy_profile(soap, SECOND)
    read = soap.call(
        f"<m:readMetadata><m:type>Profile</m:type><m:fullNames>{NAME}</m:fullNames>"
        "</m:readMetadata>"
    )
    record = read.find("m:records", NS)
    assert record is not None
    rendered = parse_bytes(component_xml(_merged(), api_version="62.0"))
    mine = [(local_name(e), "".join(e.itertext()).split()) for e in record]
    theirs = [(local_name(e), "".join(e.itertext()).split()) for e in rendered]
    assert mine == [("fullName", NAME.split()), *theirs]


def test_stored_xml_in_another_form_is_served_as_rendered(
    emulator: EmulatorInfo, soap: Soap
) -> None:
    """State written by an older emulator (other layout, other order) still retrieves cleanly."""
    legacy = (
        f'<PermissionSet xmlns="{METADATA_NS}"><userPermissions><enabled>true</enabled>'
        "<name>ViewSetup</name></userPermissions><label>Legacy</label><userPermissions>"
        "<enabled>true</enabled><name>ApiEnabled</name></userPermissions></PermissionSet>"
    ).encode()
    stored = StoredComponent(
        "PermissionSet", "Legacy", "permissionsets/Legacy.permissionset", legacy, "0PS1", 0, 0
    )
    emulator.org.store.put_component(stored)
    types = "<m:types><m:members>Legacy</m:members><m:name>PermissionSet</m:name></m:types>"
    got = retrieved_files(retrieve(soap, types, single=True))["permissionsets/Legacy.permissionset"]
    model = parse_component_bytes(legacy, name="Legacy")
    assert got == component_xml(model, api_version="62.0")
    assert got.index(b"ApiEnabled") < got.index(b"ViewSetup")
