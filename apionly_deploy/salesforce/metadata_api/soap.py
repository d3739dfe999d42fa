"""SOAP envelope reading shared by every response: child lookup, typed text, faults.

All parsing goes through the hardened parser (``apionly_deploy.model.xmldoc``). A SOAP Fault becomes
the typed error it stands for: INVALID_SESSION_ID -> SessionExpired, REQUEST_LIMIT_EXCEEDED ->
RequestLimitExceeded, INVALID_CROSS_REFERENCE_KEY -> UnknownJobError, and so on.
"""

from __future__ import annotations

from lxml import etree

from apionly_deploy.errors import (
    ApionlyError,
    AuthError,
    RequestLimitExceeded,
    RequestRefused,
    ServerError,
    SessionExpired,
    SoapFault,
    UnknownJobError,
    XmlError,
)
from apionly_deploy.model.text import one_line
from apionly_deploy.model.xmldoc import local_name, parse_bytes
from apionly_deploy.salesforce.metadata_api.envelopes import SOAP_ENV_NS, XSI_NS

_AUTH_CODES = frozenset(
    {
        "INVALID_LOGIN",
        "LOGIN_MUST_USE_SECURITY_TOKEN",
        "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
        "API_DISABLED_FOR_ORG",
        "API_CURRENTLY_DISABLED",
        "INSUFFICIENT_ACCESS",
        "LOGIN_DOWNTIME",
    }
)
_UNKNOWN_JOB_CODES = frozenset({"INVALID_CROSS_REFERENCE_KEY", "INVALID_ID_FIELD"})
#: Faults about the request itself: the same request would be refused again.
_REFUSED_CODES = frozenset(
    {
        "INVALID_OPERATION",
        "INVALID_TYPE",
        "INVALID_FIELD",
        "Client",
        "INVALID_ZIP",
        "MALFORMED_ID",
        "FIELD_INTEGRITY_EXCEPTION",
    }
)


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """Return the child elements named ``name`` in any namespace."""
    return [c for c in element if isinstance(c.tag, str) and local_name(c) == name]


def child(element: etree._Element, name: str) -> etree._Element | None:
    """Return the first child named ``name`` in any namespace, or None."""
    # lxml's C-level search: a deploy result holds a dozen fields per failure, 100,000 failures.
    return element.find(f"{{*}}{name}")


def text(element: etree._Element, name: str) -> str | None:
    """Return a child's text (None when absent or ``xsi:nil``; "" when empty)."""
    found = child(element, name)
    if found is None or found.get(f"{{{XSI_NS}}}nil") == "true":
        return None
    return (found.text or "").strip()


def flag(element: etree._Element, name: str, default: bool = False) -> bool:
    """Return a boolean child."""
    value = text(element, name)
    return default if value is None else value.lower() == "true"


def number(element: etree._Element, name: str) -> int | None:
    """Return an int child, or None when absent or not a number."""
    value = text(element, name)
    try:
        return int(value) if value else None
    except ValueError:
        return None


def seconds(element: etree._Element, name: str) -> float:
    """Return a double child (0.0 when absent or not a number)."""
    try:
        return float(text(element, name) or 0)
    except ValueError:
        return 0.0


def body_of(data: bytes, *, source: str = "response") -> etree._Element:
    """Return the first element inside the SOAP Body; raise the typed error for a fault."""
    try:
        root = parse_bytes(data.lstrip(), source=source)
    except XmlError as exc:
        raise ServerError(f"{source} is not XML ({exc})") from None
    body = child(root, "Body") if etree.QName(root).namespace == SOAP_ENV_NS else None
    first = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if first is None:
        raise ServerError(f"{source} is not a SOAP response (<{local_name(root)}>)")
    if local_name(first) == "Fault":
        raise fault_error(first)
    return first


def fault_error(fault: etree._Element) -> ApionlyError:
    """Map a SOAP Fault element to the typed error it stands for."""
    raw_code = one_line(text(fault, "faultcode") or "")
    message = one_line(text(fault, "faultstring") or raw_code or "unknown SOAP fault")
    detail = child(fault, "detail")
    inner = (
        next((c for c in detail if isinstance(c.tag, str)), None) if detail is not None else None
    )
    code = (text(inner, "exceptionCode") if inner is not None else None) or raw_code
    code = code.rsplit(":", 1)[-1]
    if code == "INVALID_SESSION_ID":
        return SessionExpired(f"the org refused the session ({message}); log in again")
    if code == "REQUEST_LIMIT_EXCEEDED":
        return RequestLimitExceeded(code, message)
    if code in _UNKNOWN_JOB_CODES:
        return UnknownJobError(f"{message}: no such job in this org; check the job id")
    if code in _AUTH_CODES:
        return AuthError(message)
    if code in _REFUSED_CODES:
        return RequestRefused(code, message)
    return SoapFault(code, message)
