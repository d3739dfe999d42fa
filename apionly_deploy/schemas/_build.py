"""Developer tool: cut the permission types out of a Metadata API WSDL into a standalone XSD.

Not used at run time. Run it once per Salesforce release::

    python -m apionly_deploy.schemas._build metadata.wsdl [more.wsdl ...]

The WSDL declares ``Profile``, ``PermissionSet``... only as complex types, so the XSD adds the
root elements a metadata file starts with. ``MutingPermissionSet`` extends ``PermissionSet`` and
appends a second, required ``label``; Salesforce itself writes and accepts a single ``label`` in
the ``PermissionSet`` position, so the appended one is made optional here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from lxml import etree

XSD_NS = "http://www.w3.org/2001/XMLSchema"
TNS = "http://soap.sforce.com/2006/04/metadata"
ROOTS = ("Profile", "PermissionSet", "MutingPermissionSet", "PermissionSetGroup")
HERE = Path(__file__).resolve().parent
_X = f"{{{XSD_NS}}}"


def wsdl_version(text: str) -> str:
    """Return the API version the WSDL's header comment names."""
    match = re.search(r"Metadata API version (\d+\.\d+)", text)
    if not match:
        raise SystemExit("no 'Metadata API version NN.0' comment in the WSDL")
    return match.group(1)


def _refs(element: etree._Element) -> set[str]:
    found = set()
    for node in element.iter():
        for attr in ("type", "base"):
            value = node.get(attr, "")
            if value.startswith("tns:"):
                found.add(value[4:])
    return found


def reachable_types(schema: etree._Element) -> list[etree._Element]:
    """Return the named types the permission roots need, in WSDL order."""
    named = {t.get("name"): t for t in schema if t.tag in (_X + "complexType", _X + "simpleType")}
    todo, keep = list(ROOTS), set()
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        todo.extend(_refs(named[name]) - keep)
    return [t for t in schema if t.get("name") in keep and t.tag != _X + "element"]


def build_xsd(wsdl: bytes) -> tuple[str, bytes]:
    """Return (version, XSD bytes) for one WSDL."""
    version = wsdl_version(wsdl[:400].decode("utf-8", "replace"))
    tree = etree.fromstring(wsdl, etree.XMLParser(resolve_entities=False, no_network=True))
    schema = tree.find(f".//{_X}schema")
    if schema is None:
        raise SystemExit("no xsd:schema in the WSDL")
    out = etree.Element(
        _X + "schema",
        nsmap={"xsd": XSD_NS, "tns": TNS},
        targetNamespace=TNS,
        elementFormDefault="qualified",
    )
    out.text = "\n"
    out.append(
        etree.Comment(" Permission types of the Salesforce Metadata API, see versions.json ")
    )
    for root in ROOTS:
        etree.SubElement(out, _X + "element", name=root, type=f"tns:{root}")
    for typ in reachable_types(schema):
        copy = etree.fromstring(etree.tostring(typ))
        if copy.get("name") == "MutingPermissionSet":
            for label in copy.iter(_X + "element"):
                label.set("minOccurs", "0")
        out.append(copy)
    etree.cleanup_namespaces(out, keep_ns_prefixes=["tns", "xsd"])
    etree.indent(out, space=" ")
    data = etree.tostring(out, xml_declaration=True, encoding="UTF-8") + b"\n"
    return version, data


def main(paths: list[str]) -> None:
    """Write one XSD per distinct schema and ``versions.json`` mapping each version to its file."""
    built = sorted((build_xsd(Path(p).read_bytes()) for p in paths), key=lambda b: float(b[0]))
    index: dict[str, str] = {}
    previous: tuple[bytes, str] | None = None
    for version, data in built:
        if previous is None or previous[0] != data:
            previous = (data, f"permissions-{version}.xsd")
            (HERE / previous[1]).write_bytes(data)
        index[version] = previous[1]
    text = json.dumps({"versions": index}, indent=1) + "\n"
    (HERE / "versions.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
