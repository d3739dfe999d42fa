"""SOAP 1.1 on the wire as Salesforce speaks it: envelopes, faults, schema-checked requests."""

from __future__ import annotations

import datetime as dt
import threading
from copy import deepcopy
from dataclasses import dataclass
from importlib import resources

from lxml import etree

from apionly_deploy.errors import XmlError
from apionly_deploy.model.xmldoc import METADATA_NS, local_name, parse_bytes
from apionly_deploy.model.xsd import compile_schema

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PARTNER_NS = "urn:partner.soap.sforce.com"
PARTNER_FAULT_NS = "urn:fault.partner.soap.sforce.com"
CONTENT_TYPE = "text/xml; charset=utf-8"


class SoapFault(Exception):
    """A fault to send back; ``code`` is a Salesforce exception code or ``soapenv:Client``."""

    def __init__(self, code: str, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: Partner API faults carry a typed detail (``LoginFault``, ``UnexpectedErrorFault``).
        self.detail = detail

    @property
    def faultstring(self) -> str:
        if self.code.startswith("soapenv:"):
            return self.message
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class SoapRequest:
    operation: str
    namespace: str
    body: etree._Element
    session_id: str | None


def parse_request(data: bytes) -> SoapRequest:
    """Read a SOAP envelope: its first body element and the session id of its header."""
    try:
        root = parse_bytes(data, source="request")
    except XmlError as exc:
        message = str(exc).removeprefix("request:")
        raise SoapFault("soapenv:Client", f"Unable to parse the request: {message}") from None
    if etree.QName(root).namespace != SOAPENV or local_name(root) != "Envelope":
        raise SoapFault("soapenv:VersionMismatch", "Wrong SOAP envelope namespace or element")
    body = root.find(f"{{{SOAPENV}}}Body")
    operation = None if body is None else next((c for c in body if isinstance(c.tag, str)), None)
    if operation is None:
        raise SoapFault("soapenv:Client", "No operation found in the SOAP body")
    session = None
    header = root.find(f"{{{SOAPENV}}}Header")
    if header is not None:
        for element in header.iter():
            if isinstance(element.tag, str) and local_name(element) == "sessionId":
                session = (element.text or "").strip()
    return SoapRequest(
        operation=local_name(operation),
        namespace=etree.QName(operation).namespace or "",
        body=operation,
        session_id=session,
    )


_local = threading.local()


def _schema() -> etree.XMLSchema:
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        data = resources.files(__package__).joinpath("metadata-requests.xsd").read_bytes()
        schema = compile_schema(data, source="metadata-requests.xsd")
        _local.schema = schema
    return schema


def validate_metadata_request(element: etree._Element) -> None:
    """Check a Metadata API body element against the schema; raise a Client fault."""
    copy = deepcopy(element)
    schema = _schema()
    if schema.validate(copy):
        return
    error = next(iter(schema.error_log))  # type: ignore[call-overload]
    raise SoapFault("soapenv:Client", _schema_message(error.message))


def _schema_message(message: str) -> str:
    text = message.split("': ", 1)[-1] if message.startswith("Element '") else message
    if message.startswith("Element '") and "This element is not expected" in message:
        name = message.split("'", 2)[1]
        return f"Element {name} invalid at this location"
    return text


def element(tag: str, text: str | None = None, *, ns: str = METADATA_NS) -> etree._Element:
    node = etree.Element(f"{{{ns}}}{tag}")
    if text is not None:
        node.text = text
    return node


def operation_response(operation: str) -> etree._Element:
    """Return the empty ``<operationResponse>`` element a Metadata API answer starts with."""
    return element(f"{operation}Response")


def async_result(operation: str, job_id: str, state: str) -> etree._Element:
    """Return the AsyncResult answer of ``deploy`` / ``retrieve``: not done, in ``state``."""
    response = operation_response(operation)
    result = sub(response, "result")
    sub(result, "done", False)
    sub(result, "id", job_id)
    sub(result, "state", state)
    return response


def sub(
    parent: etree._Element,
    tag: str,
    text: str | bool | int | float | None = None,
    *,
    nil: bool = False,
) -> etree._Element:
    """Append ``<tag>text</tag>`` in the parent's namespace (booleans as true/false)."""
    ns = etree.QName(parent).namespace
    node = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if nil:
        node.set(f"{{{XSI}}}nil", "true")
    elif isinstance(text, bool):
        node.text = "true" if text else "false"
    elif text is not None:
        node.text = str(text)
    return node


def envelope(body_child: etree._Element, *, ns: str = METADATA_NS) -> bytes:
    """Wrap a response element the way Salesforce does: prefixed envelope, default namespace."""
    nsmap = {"soapenv": SOAPENV, None: ns}
    if any(f"{{{XSI}}}" in str(a) for e in body_child.iter() for a in e.attrib):
        nsmap["xsi"] = XSI
    root = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap=nsmap)  # type: ignore[arg-type]
    body = etree.SubElement(root, f"{{{SOAPENV}}}Body")
    body.append(body_child)
    return _serialize(root)


def fault_envelope(fault: SoapFault, *, ns: str = METADATA_NS) -> bytes:
    """Return the fault envelope: ``sf`` bound to the API's namespace (or the partner fault ns)."""
    fault_ns = PARTNER_FAULT_NS if fault.detail else ns
    nsmap = {"soapenv": SOAPENV, "sf": fault_ns}
    if fault.detail:
        nsmap["xsi"] = XSI
    root = etree.Element(f"{{{SOAPENV}}}Envelope", nsmap=nsmap)
    body = etree.SubElement(root, f"{{{SOAPENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAPENV}}}Fault")
    code = fault.code if ":" in fault.code else f"sf:{fault.code}"
    etree.SubElement(node, "faultcode").text = code
    etree.SubElement(node, "faultstring").text = fault.faultstring
    if fault.detail:
        detail = etree.SubElement(node, "detail")
        typed = etree.SubElement(detail, f"{{{fault_ns}}}{fault.detail}")
        typed.set(f"{{{XSI}}}type", f"sf:{fault.detail}")
        etree.SubElement(typed, f"{{{fault_ns}}}exceptionCode").text = fault.code
        etree.SubElement(typed, f"{{{fault_ns}}}exceptionMessage").text = fault.message
    return _serialize(root)


def _serialize(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>' + etree.tostring(root, encoding="UTF-8")


def timestamp(seconds: float) -> str:
    """Format a time the way Salesforce does: ``2020-10-28T13:37:48.000Z``."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def boolean(text: str | None, default: bool = False) -> bool:
    """Read an xsd:boolean leniently (Salesforce accepts "True" and "False")."""
    if text is None:
        return default
    return text.strip().lower() in ("true", "1")
