"""The Partner (and Enterprise) SOAP API at /services/Soap/u|c/NN.0: login() and logout()."""

from __future__ import annotations

import hmac

from lxml import etree

from apionly_deploy.emulator.org import InvalidSession, Org
from apionly_deploy.emulator.soap import PARTNER_NS, SoapFault, SoapRequest, envelope, sub

ENTERPRISE_NS = "urn:enterprise.soap.sforce.com"
_INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def handle(org: Org, request: SoapRequest, *, base_url: str, version: str) -> bytes:
    """Answer a partner/enterprise call; raise SoapFault with Salesforce's typed details."""
    if request.namespace not in (PARTNER_NS, ENTERPRISE_NS):
        raise SoapFault(
            "soapenv:Client",
            f"No operation available for request {{{request.namespace}}}{request.operation}",
        )
    if request.operation == "login":
        return envelope(_login(org, request, base_url, version), ns=request.namespace)
    if request.operation == "logout":
        _session(org, request)
        org.store.revoke_session(request.session_id or "")
        return envelope(
            etree.Element(f"{{{request.namespace}}}logoutResponse"), ns=request.namespace
        )
    raise SoapFault(
        "INVALID_OPERATION",
        f"The local org does not implement {request.operation}()",
        detail="UnexpectedErrorFault",
    )


def _session(org: Org, request: SoapRequest) -> None:
    try:
        org.authenticate(request.session_id)
    except InvalidSession as exc:
        raise SoapFault(
            "INVALID_SESSION_ID",
            f"Invalid Session ID found in SessionHeader: {exc}",
            detail="UnexpectedErrorFault",
        ) from None


def _field(request: SoapRequest, name: str) -> str:
    found = request.body.find(f"{{{request.namespace}}}{name}")
    return "" if found is None else found.text or ""


def _login(org: Org, request: SoapRequest, base_url: str, version: str) -> etree._Element:
    if not org.settings.soap_login:
        raise SoapFault(
            "INVALID_OPERATION",
            "SOAP API login() is disabled by default in this org.",
            detail="UnexpectedErrorFault",
        )
    user = org.user_by_name(_field(request, "username").strip())
    password = _field(request, "password").encode()
    if user is None or not hmac.compare_digest(password, org.credentials.password.encode()):
        raise SoapFault("INVALID_LOGIN", _INVALID_LOGIN, detail="LoginFault")
    session = org.issue_session(str(user["Id"]))
    org_id = org.credentials.org_id
    kind = "c" if request.namespace == ENTERPRISE_NS else "u"
    response = etree.Element(f"{{{request.namespace}}}loginResponse")
    result = sub(response, "result")
    sub(result, "metadataServerUrl", f"{base_url}/services/Soap/m/{version}/{org_id[:15]}")
    sub(result, "passwordExpired", False)
    sub(result, "sandbox", org.settings.sandbox)
    sub(result, "serverUrl", f"{base_url}/services/Soap/{kind}/{version}/{org_id[:15]}")
    sub(result, "sessionId", session.token)
    sub(result, "userId", user["Id"])
    info = sub(result, "userInfo")
    organization = org.organization()
    for tag, value in (
        ("accessibilityMode", False),
        ("chatterExternal", False),
        ("currencySymbol", "$"),
        ("orgAttachmentFileSizeLimit", 5242880),
        ("orgDefaultCurrencyIsoCode", "USD"),
        ("orgDefaultCurrencyLocale", "en_US"),
        ("orgDisallowHtmlAttachments", False),
        ("orgHasPersonAccounts", False),
        ("organizationId", org_id),
        ("organizationMultiCurrency", False),
        ("organizationName", organization.get("Name", "")),
        ("profileId", user["ProfileId"]),
    ):
        sub(info, tag, value)
    sub(info, "roleId", nil=True)
    sub(info, "sessionSecondsValid", int(org.settings.session_seconds))
    sub(info, "userDefaultCurrencyIsoCode", nil=True)
    for tag, value in (
        ("userEmail", user.get("Email")),
        ("userFullName", user.get("Name")),
        ("userId", user["Id"]),
        ("userLanguage", user.get("LanguageLocaleKey")),
        ("userLocale", user.get("LocaleSidKey")),
        ("userName", user.get("Username")),
        ("userTimeZone", user.get("TimeZoneSidKey")),
        ("userType", "Standard"),
        ("userUiSkin", "Theme3"),
    ):
        sub(info, tag, value)
    return response
