"""A scratch sfdx repository: other metadata (a class, an object with a field, an LWC) beside a
hand-written permission set, as a team's repository looks before it adopts the tool."""

from __future__ import annotations

from pathlib import Path

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

FILES = {
    "sfdx-project.json": '{\n  "packageDirectories": [{"path": "force-app", "default": true}],\n'
    '  "sourceApiVersion": "62.0"\n}\n',
    ".forceignore": "**/jsconfig.json\n",
    "force-app/main/default/classes/ErpSync.cls": "public class ErpSync {}\n",
    "force-app/main/default/classes/ErpSync.cls-meta.xml": f"{HEAD}<ApexClass {NS}>\n"
    "    <apiVersion>62.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n",
    "force-app/main/default/objects/Invoice__c/Invoice__c.object-meta.xml": f"{HEAD}"
    f"<CustomObject {NS}>\n    <deploymentStatus>Deployed</deploymentStatus>\n"
    "    <label>Invoice</label>\n    <nameField>\n        <label>Invoice Name</label>\n"
    "        <type>Text</type>\n    </nameField>\n    <pluralLabel>Invoices</pluralLabel>\n"
    "    <sharingModel>ReadWrite</sharingModel>\n</CustomObject>\n",
    "force-app/main/default/objects/Invoice__c/fields/Amount__c.field-meta.xml": f"{HEAD}"
    f"<CustomField {NS}>\n    <fullName>Amount__c</fullName>\n    <label>Amount</label>\n"
    "    <precision>18</precision>\n    <scale>2</scale>\n    <type>Number</type>\n"
    "</CustomField>\n",
    "force-app/main/default/lwc/erpCard/erpCard.js": "export default class ErpCard {}\n",
    "force-app/main/default/lwc/erpCard/erpCard.js-meta.xml": f"{HEAD}<LightningComponentBundle"
    f" {NS}>\n    <apiVersion>62.0</apiVersion>\n</LightningComponentBundle>\n",
    "force-app/main/default/permissionsets/Erp_Sync.permissionset-meta.xml": f"{HEAD}"
    f"<PermissionSet {NS}>\n    <classAccesses>\n        <apexClass>ErpSync</apexClass>\n"
    "        <enabled>true</enabled>\n    </classAccesses>\n"
    "    <fieldPermissions>\n        <editable>true</editable>\n"
    "        <field>Invoice__c.Amount__c</field>\n        <readable>true</readable>\n"
    "    </fieldPermissions>\n    <label>Erp Sync</label>\n"
    "    <objectPermissions>\n        <allowCreate>true</allowCreate>\n"
    "        <allowDelete>false</allowDelete>\n        <allowEdit>true</allowEdit>\n"
    "        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n"
    "        <object>Invoice__c</object>\n        <viewAllRecords>false</viewAllRecords>\n"
    "    </objectPermissions>\n    <userPermissions>\n        <enabled>true</enabled>\n"
    "        <name>ApiEnabled</name>\n    </userPermissions>\n</PermissionSet>\n",
}


def make_sfdx_repo(root: Path) -> Path:
    """Write the scratch repository under ``root`` and return it."""
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` (relative posix path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
