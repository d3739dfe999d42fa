"""Nothing a real permission file holds is lost on its way file -> apionly.toml -> render.

Every file of tests/fixtures/real-metadata and real-lossless (real org files, see their
SOURCES.md) goes through the project file and back; then one hand-made file per element type.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from lossless_support import REAL_FILES, file_name, load_tables, normalised

from apionly_deploy.model.components import Kind, Node, PermissionContainer
from apionly_deploy.model.elements import ELEMENTS
from apionly_deploy.model.parse import parse_component_bytes, parse_component_file
from apionly_deploy.project.to_config import NotRepresentable, to_config
from apionly_deploy.render.templates import component_xml

NS = "http://soap.sforce.com/2006/04/metadata"


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_survive_the_project_file_and_render(tmp_path: Path, path: Path) -> None:
    """Every entry and value of a real file comes back from its tables, rendered."""
    original = parse_component_file(path, name=file_name(path))
    converted = to_config([original])
    loaded = load_tables(tmp_path, converted.text)[(original.kind, original.name)]
    assert normalised(loaded) == normalised(original)
    xml = component_xml(loaded, api_version="66.0")
    rendered = parse_component_bytes(xml, name=original.name)
    assert normalised(rendered) == normalised(original)


def doc(root: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NS}">\n{body}</{root}>\n'.encode()
    )


#: One entry of each untyped element, as Salesforce writes it, on the kind that carries it.
ELEMENT_SAMPLES = {
    "agentAccesses": "<agentName>Sales_Agent</agentName><enabled>true</enabled>",
    "applicationVisibilities": (
        "<application>standard__Sales</application><default>true</default><visible>true</visible>"
    ),
    "categoryGroupVisibilities": (
        "<dataCategories>Europe</dataCategories><dataCategories>Asia</dataCategories>"
        "<dataCategoryGroup>Regions</dataCategoryGroup><visibility>CUSTOM</visibility>"
    ),
    "customMetadataTypeAccesses": "<enabled>true</enabled><name>Erp_Setting__mdt</name>",
    "customSettingAccesses": "<enabled>true</enabled><name>Erp_Switch__c</name>",
    "dataspaceScopes": "<dataAccessLevel>ALL</dataAccessLevel><dataspaceScope>default</dataspaceScope>",
    "emailRoutingAddressAccesses": "<enabled>true</enabled><name>Support_Address</name>",
    "externalCredentialPrincipalAccesses": (
        "<enabled>true</enabled><externalCredentialPrincipal>Erp-Integration</externalCredentialPrincipal>"
    ),
    "externalDataSourceAccesses": "<enabled>true</enabled><externalDataSource>Northwind</externalDataSource>",
    "flowAccesses": "<enabled>true</enabled><flow>Erp_Sync</flow>",
    "genComputingSummaryDefAccesses": "<configName>Summary_One</configName><enabled>true</enabled>",
    "layoutAssignments": "<layout>Account-Partner Layout</layout><recordType>Account.Partner</recordType>",
    "loginFlows": (
        "<flow>Login_Check</flow><flowType>UI</flowType><friendlyName>Check</friendlyName>"
        "<uiLoginFlowType>VisualWorkflow</uiLoginFlowType><useLightningRuntime>false</useLightningRuntime>"
    ),
    "profileActionOverrides": (
        "<actionName>View</actionName><content>Account_Record_Page</content><formFactor>Large</formFactor>"
        "<pageOrSobjectType>Account</pageOrSobjectType><type>Flexipage</type>"
    ),
    "servicePresenceStatusAccesses": "<enabled>true</enabled><servicePresenceStatus>Busy</servicePresenceStatus>",
}


def sample(element_tag: str, kind: Kind | None = None) -> tuple[str, bytes]:
    """Return a component holding one sample entry: on ``kind``, else a profile if it can."""
    element = next(e for e in ELEMENTS if e.tag == element_tag)
    kind = kind or (Kind.PROFILE if Kind.PROFILE in element.kinds else Kind.PERMISSION_SET)
    label = "" if kind is Kind.PROFILE else "<label>X</label>"
    body = ELEMENT_SAMPLES[element_tag]
    if kind is not Kind.PROFILE:
        body = body.replace("<default>true</default>", "")  # only a profile has a default app
    entry = f"<{element_tag}>{body}</{element_tag}>"
    return kind.value, doc(kind.value, f"{entry}{label}")


def test_every_element_of_the_table_has_a_sample() -> None:
    assert set(ELEMENT_SAMPLES) == {e.tag for e in ELEMENTS}


@pytest.mark.parametrize("tag", sorted(ELEMENT_SAMPLES))
def test_each_element_type_round_trips_through_its_short_key(tmp_path: Path, tag: str) -> None:
    """import -> render gives each element back, through its own key (never ``other``)."""
    _root, data = sample(tag)
    original = parse_component_bytes(data, name="X")
    converted = to_config([original])
    element = next(e for e in ELEMENTS if e.tag == tag)
    table = tomllib.loads(converted.text)
    (declared,) = next(iter(table.values())).values()
    assert element.key in declared and "other" not in declared, converted.text
    loaded = load_tables(tmp_path, converted.text)[(original.kind, "X")]
    rendered = parse_component_bytes(component_xml(loaded, api_version="66.0"), name="X")
    assert normalised(rendered) == normalised(original)


def test_an_unknown_element_is_kept_verbatim_under_other(tmp_path: Path) -> None:
    """An element of a future API version survives, and the conversion says so."""
    body = (
        "<futureAccesses><enabled>true</enabled><thing>A</thing><limits><max>3</max></limits>"
        "</futureAccesses><futureAccesses><enabled>false</enabled><thing>B</thing></futureAccesses>"
        "<futureSetting>on</futureSetting><label>X</label>"
    )
    original = parse_component_bytes(doc("PermissionSet", body), name="X")
    converted = to_config([original])
    assert converted.verbatim == (
        "PermissionSet X: futureAccesses",
        "PermissionSet X: futureSetting",
    )
    loaded = load_tables(tmp_path, converted.text)[(Kind.PERMISSION_SET, "X")]
    rendered = parse_component_bytes(component_xml(loaded, api_version="66.0"), name="X")
    assert normalised(rendered) == normalised(original)


def test_typed_entries_holding_more_than_the_model_types_are_kept_whole(tmp_path: Path) -> None:
    """``hidden`` on an old field permission and a repeated child are not dropped."""
    body = (
        "<fieldPermissions><editable>false</editable><field>Account.Site</field>"
        "<hidden>false</hidden><readable>true</readable></fieldPermissions>"
        "<label>X</label>"
        "<objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete>"
        "<allowEdit>false</allowEdit><allowRead>true</allowRead><modifyAllRecords>false</modifyAllRecords>"
        "<object>Account</object><object>Contact</object><viewAllRecords>false</viewAllRecords>"
        "</objectPermissions>"
    )
    original = parse_component_bytes(doc("PermissionSet", body), name="X")
    assert isinstance(original, PermissionContainer)
    assert [n.tag for n in original.extras] == ["fieldPermissions", "objectPermissions"]
    loaded = load_tables(tmp_path, to_config([original]).text)[(Kind.PERMISSION_SET, "X")]
    rendered = parse_component_bytes(component_xml(loaded, api_version="66.0"), name="X")
    assert normalised(rendered) == normalised(original)


def test_optional_flags_custom_and_status_survive(tmp_path: Path) -> None:
    profile = doc(
        "Profile",
        "<custom>false</custom><objectPermissions><allowCreate>false</allowCreate>"
        "<allowDelete>false</allowDelete><allowEdit>false</allowEdit><allowRead>true</allowRead>"
        "<modifyAllRecords>false</modifyAllRecords><object>Account</object>"
        "<viewAllFields>true</viewAllFields><viewAllRecords>false</viewAllRecords></objectPermissions>"
        "<objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete>"
        "<allowEdit>false</allowEdit><allowRead>true</allowRead><customizeSetup>true</customizeSetup>"
        "<modifyAllRecords>false</modifyAllRecords><object>SetupThing</object>"
        "<viewAllRecords>false</viewAllRecords><viewSetup>true</viewSetup></objectPermissions>"
        "<recordTypeVisibilities><default>true</default><personAccountDefault>true</personAccountDefault>"
        "<recordType>PersonAccount.Patient</recordType><visible>true</visible></recordTypeVisibilities>",
    )
    no_custom = doc("Profile", "<userLicense>Salesforce</userLicense>")
    group = doc(
        "PermissionSetGroup",
        "<hasActivationRequired>true</hasActivationRequired><label>G</label><status>Outdated</status>",
    )
    components = [
        parse_component_bytes(profile, name="P"),
        parse_component_bytes(no_custom, name="Q"),
        parse_component_bytes(group, name="G"),
    ]
    loaded = load_tables(tmp_path, to_config(components).text)
    for original in components:
        again = loaded[(original.kind, original.name)]
        assert normalised(again) == normalised(original)
    assert loaded[(Kind.PROFILE, "Q")].custom is None  # not written where the file had none
    assert b"<custom>" not in component_xml(loaded[(Kind.PROFILE, "Q")], api_version="66.0")


@pytest.mark.parametrize(
    "text",
    [
        "emoji 🚀 and ünïcode",
        'quote " and \\ backslash',
        "two\nlines\ttab",
        "literal ${x} and $${y}",
        "del\x7f",
    ],
)
def test_any_text_is_written_so_that_it_loads_back(tmp_path: Path, text: str) -> None:
    body = f"<description>{text.replace('&', '&amp;')}</description><label>{text}</label>"
    original = parse_component_bytes(doc("PermissionSet", body), name="X")
    loaded = load_tables(tmp_path, to_config([original]).text)[(Kind.PERMISSION_SET, "X")]
    assert isinstance(loaded, PermissionContainer)
    assert (loaded.label, loaded.description) == (text, text)


def test_what_no_key_can_hold_is_refused_by_name() -> None:
    """Mixed content cannot be written exactly, so the conversion refuses, naming it."""
    original = parse_component_bytes(doc("PermissionSet", "<label>X</label>"), name="X")
    assert isinstance(original, PermissionContainer)
    mixed = Node("futureThing", None, (Node("a", "1"), Node("b", "2"), Node("a", "3")))
    broken = original.__class__(**{**_fields(original), "extras": (mixed,)})
    with pytest.raises(NotRepresentable, match=r"PermissionSet X: <futureThing> repeats <a>"):
        to_config([broken])


def _fields(component: PermissionContainer) -> dict[str, object]:
    return {f: getattr(component, f) for f in component.__dataclass_fields__}


@pytest.mark.parametrize("name", ["bad tag", "x><injected/><y", "ns:prefixed", "1digit", ""])
def test_element_names_in_the_project_file_cannot_inject_markup(tmp_path: Path, name: str) -> None:
    """A name under ``other`` becomes a tag: anything but an XML name is a config error."""
    from apionly_deploy.errors import ConfigError

    text = f'[permission_sets.X]\nlabel = "X"\nother = {{ {json.dumps(name)} = ["v"] }}\n'
    with pytest.raises(ConfigError, match="is not an XML element name"):
        load_tables(tmp_path, text)


def test_a_flag_that_is_no_boolean_is_kept_verbatim(tmp_path: Path) -> None:
    """``<enabled>yes</enabled>`` is not false: it goes under ``other`` as the file says it."""
    body = "<flowAccesses><enabled>yes</enabled><flow>F</flow></flowAccesses><label>X</label>"
    original = parse_component_bytes(doc("PermissionSet", body), name="X")
    converted = to_config([original])
    assert converted.verbatim == ("PermissionSet X: flowAccesses",)
    loaded = load_tables(tmp_path, converted.text)[(Kind.PERMISSION_SET, "X")]
    assert isinstance(loaded, PermissionContainer)
    assert loaded.extras[0].children[0] == Node("enabled", "yes")
