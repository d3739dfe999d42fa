"""Route a request to the API that answers it, with fault injection and a request log."""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import asdict, dataclass

from apionly_deploy.emulator import oauth, rest, soap, soap_login, soap_metadata
from apionly_deploy.emulator.faults import FaultKind, FaultRule
from apionly_deploy.emulator.http import Request, Response, json_response, rest_error
from apionly_deploy.emulator.org import Org
from apionly_deploy.model.xmldoc import METADATA_NS

log = logging.getLogger(__name__)

_METADATA = re.compile(r"^/services/Soap/m/(\d+\.\d+)(/.*)?$")
_PARTNER = re.compile(r"^/services/Soap/([uc])/(\d+\.\d+)(/.*)?$")
_IDENTITY = re.compile(r"^/id/(\w{15,18})/(\w{15,18})/?$")


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    operation: str
    status: int


class RequestLog:
    """Every request the emulator received, in order (for tests that count calls)."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def count(self, operation: str | None = None) -> int:
        """Return how many requests there were (of one operation, when given)."""
        return sum(1 for e in self.entries() if operation in (None, e.operation))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class App:
    """The whole org over HTTP, minus sockets: ``handle(request) -> response``."""

    def __init__(self, org: Org, *, admin_token: str) -> None:
        self.org = org
        self.requests = RequestLog()
        self._admin_token = admin_token

    def handle(self, request: Request) -> Response:
        soap_request: soap.SoapRequest | None = None
        operation = _operation_of(request)
        if operation.startswith("soap:"):
            try:
                soap_request = soap.parse_request(request.body)
                operation = soap_request.operation
            except soap.SoapFault:
                operation = "soap"
        response, lose = self._inject(operation, request)
        if response is None:
            response = self._dispatch(request, soap_request, operation)
            if lose:
                response = Response(response.status, drop=True)
        if not request.path.startswith("/_emulator/"):
            entry = LoggedRequest(request.method, request.path, operation, response.status)
            self.requests.add(entry)
        return response

    def _inject(self, operation: str, request: Request) -> tuple[Response | None, bool]:
        """Apply the faults for this call: an answer instead of the real one, or a lost answer."""
        if request.path.startswith("/_emulator/"):
            return None, False
        lose = False
        for rule in self.org.faults.take(operation, request.path):
            if rule.kind is FaultKind.LATENCY:
                self.org.settings.sleep(rule.seconds)
            elif rule.kind is FaultKind.LOST_RESPONSE:
                lose = True
            else:
                return _fault_response(rule, request), False
        return None, lose

    def _dispatch(
        self, request: Request, soap_request: soap.SoapRequest | None, operation: str
    ) -> Response:
        path = request.path
        try:
            self.org.deploys.tick()
            if path.startswith("/services/Soap/"):
                return self._soap(request, soap_request)
            if path.rstrip("/") == "/services/oauth2/token":
                return oauth.token(self.org, request)
            if path.rstrip("/") == "/services/oauth2/userinfo":
                return oauth.userinfo(self.org, request)
            if path.rstrip("/") == "/services/oauth2/revoke":
                return oauth.revoke(self.org, request)
            identity = _IDENTITY.match(path)
            if identity:
                return oauth.identity(self.org, request, identity.group(1), identity.group(2))
            if path.startswith("/services/data"):
                return rest.handle(self.org, request)
            if path.startswith("/_emulator/"):
                return self._admin(request)
        except Exception:
            log.exception("the local org failed on %s %s (%s)", request.method, path, operation)
            return Response(500, b"Internal error in the local org emulator", "text/plain")
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")

    def _soap(self, request: Request, parsed: soap.SoapRequest | None) -> Response:
        metadata = _METADATA.match(request.path)
        partner = _PARTNER.match(request.path)
        if request.method != "POST" or not (metadata or partner):
            return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
        namespace = soap.PARTNER_NS if partner else METADATA_NS
        try:
            if parsed is None:
                parsed = soap.parse_request(request.body)
            if partner:
                body = soap_login.handle(
                    self.org, parsed, base_url=request.base_url, version=partner.group(2)
                )
            else:
                body = soap_metadata.handle(self.org, parsed)
        except soap.SoapFault as fault:
            return Response(500, soap.fault_envelope(fault, ns=namespace), soap.CONTENT_TYPE)
        return Response(200, body, soap.CONTENT_TYPE)

    def _admin(self, request: Request) -> Response:
        if request.bearer() != self._admin_token:
            return rest_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        faults = self.org.faults
        if request.path == "/_emulator/faults" and request.method == "DELETE":
            faults.clear()
            return Response(204)
        if request.path == "/_emulator/faults" and request.method == "POST":
            try:
                spec = json.loads(request.body or b"{}")
                rule = FaultRule(
                    kind=FaultKind(spec["kind"]),
                    match=spec.get("match"),
                    times=spec.get("times", 1),
                    status=int(spec.get("status", 500)),
                    seconds=float(spec.get("seconds", 0.0)),
                    after=int(spec.get("after", 0)),
                )
            except (ValueError, KeyError, TypeError) as exc:
                return rest_error(400, "JSON_PARSER_ERROR", f"Bad fault specification: {exc}")
            faults.add(rule)
            return json_response(201, {"kind": rule.kind.value, "match": rule.match})
        if request.path == "/_emulator/sessions/expire-after" and request.method == "POST":
            calls = json.loads(request.body or b"null")
            faults.expire_sessions_after(calls if isinstance(calls, int) else None)
            return Response(204)
        if request.path == "/_emulator/requests" and request.method == "GET":
            return json_response(200, [asdict(e) for e in self.requests.entries()])
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")


def _operation_of(request: Request) -> str:
    path = request.path
    if path.startswith("/services/Soap/"):
        return "soap:"
    if path.startswith("/services/oauth2/"):
        return path.rstrip("/").rsplit("/", 1)[-1]
    if path.startswith("/id/"):
        return "identity"
    if path.startswith("/services/data"):
        return rest.operation_of(path)
    return path


def _fault_response(rule: FaultRule, request: Request) -> Response:
    if rule.kind is FaultKind.DROP:
        return Response(0, drop=True)
    if rule.kind is FaultKind.HTTP_ERROR:
        page = f"<html><body><h1>{rule.status}</h1><p>Service unavailable</p></body></html>"
        return Response(rule.status, page.encode(), "text/html;charset=UTF-8")
    if request.path.startswith("/services/Soap/"):
        fault = soap.SoapFault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        namespace = soap.PARTNER_NS if _PARTNER.match(request.path) else METADATA_NS
        return Response(500, soap.fault_envelope(fault, ns=namespace), soap.CONTENT_TYPE)
    return rest_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
