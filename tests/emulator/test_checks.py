"""The local org's component checks: Salesforce's wording, and work linear in the failures."""

from __future__ import annotations

from apionly_deploy.emulator import checks
from apionly_deploy.model.components import PermissionContainer
from apionly_deploy.model.parse import parse_component_bytes

NO_OBJECTS = checks.OrgFacts(
    user_licenses=frozenset({"Salesforce"}),
    permission_set_licenses=frozenset(),
    custom_objects=frozenset(),
    custom_fields=frozenset(),
    permission_sets=frozenset(),
)


class CountingBytes(bytes):
    """Bytes that count how often they are split into lines."""

    splits = 0

    def split(self, *args: object, **kwargs: object) -> list[bytes]:  # type: ignore[override]
        CountingBytes.splits += 1
        return super().split(*args, **kwargs)  # type: ignore[arg-type]


def _permission_set(fields: int) -> bytes:
    entries = "".join(
        f"    <fieldPermissions>\n        <editable>false</editable>\n"
        f"        <field>Obj__c.F{i}__c</field>\n        <readable>true</readable>\n"
        "    </fieldPermissions>\n"
        for i in range(fields)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        f"{entries}    <label>Big</label>\n</PermissionSet>\n"
    ).encode()


def _problems(xml: bytes) -> list[checks.Problem]:
    component = parse_component_bytes(xml, name="Big")
    assert isinstance(component, PermissionContainer)
    return checks.check_container(component, component, xml, NO_OBJECTS)


def test_every_missing_field_is_reported_where_it_is():
    problems = _problems(_permission_set(3))
    assert [(p.message, p.line, p.column) for p in problems] == [
        (f"In field: field - no CustomField named Obj__c.F{i}__c found", 3 + 5 * i, 5)
        for i in range(3)
    ]


def test_a_file_failing_on_every_entry_is_split_into_lines_once():
    """The column of each failure comes from lines split once per file, not once per failure."""
    CountingBytes.splits = 0
    xml = CountingBytes(_permission_set(200))
    assert len(_problems(xml)) == 200
    assert CountingBytes.splits <= 1
