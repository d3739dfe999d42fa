"""A small typed client for Salesforce's REST API: SOQL, sObject writes, describe, composite.

It rides on an injected ``requests.Session``; TLS verification is passed on every request
because ``REQUESTS_CA_BUNDLE`` would otherwise override a session-wide setting
(psf/requests#3829). Salesforce's JSON errors become typed ``RestApiError`` subclasses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from apionly_deploy.errors import (
    DuplicateUsername,
    LicenseLimitExceeded,
    NotFound,
    RestApiError,
    RestRemoteError,
    ServerError,
    SessionExpired,
)
from apionly_deploy.model.text import one_line
from apionly_deploy.salesforce import transport
from apionly_deploy.salesforce.metadata_api import check_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (15.0, 120.0)
#: Salesforce runs at most 25 subrequests in one composite request.
COMPOSITE_LIMIT = 25
#: Pages of one query followed at most (2,000 records each: four million records).
MAX_PAGES = 2000
_TYPED: dict[str, type[RestApiError]] = {
    "DUPLICATE_USERNAME": DuplicateUsername,
    "LICENSE_LIMIT_EXCEEDED": LicenseLimitExceeded,
    "NOT_FOUND": NotFound,
}
_REMOTE_CODES = ("REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW")

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SubRequest:
    """One request of a composite call."""

    method: str
    path: str  # relative to /services/data/vNN.0, e.g. "sobjects/User"
    body: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SubResponse:
    """The outcome of one composite subrequest: the body, or the error it raised."""

    status: int
    body: Any
    error: RestApiError | None = None

    @property
    def record_id(self) -> str | None:
        """Return the id a create answered with."""
        return self.body.get("id") if isinstance(self.body, dict) else None


def soql_quote(value: str) -> str:
    """Return ``value`` as a SOQL string literal."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def soql_select(sobject: str, fields: Sequence[str], where: str = "") -> str:
    """Return a SOQL query; values in ``where`` must come from ``soql_quote``/``soql_in``."""
    query = " ".join(("SELECT", ", ".join(fields), "FROM", sobject))
    return f"{query} WHERE {where}" if where else query


def soql_in(values: Sequence[str]) -> str:
    """Return ``('a', 'b')`` for a SOQL IN clause."""
    return "(" + ", ".join(soql_quote(v) for v in values) + ")"


def error_from(status: int, payload: Any, *, what: str) -> RestApiError | RestRemoteError:
    """Turn Salesforce's error JSON (a list of ``{errorCode, message, fields}``) into an error."""
    first = payload[0] if isinstance(payload, list) and payload else payload
    if not isinstance(first, dict):
        first = {}
    code = one_line(str(first.get("errorCode") or first.get("error") or f"HTTP_{status}"))
    message = one_line(str(first.get("message") or first.get("error_description") or "no message"))
    fields = tuple(str(f) for f in first.get("fields") or ())
    if code in _REMOTE_CODES:
        return RestRemoteError(code, f"{what}: {message}", status=status)
    kind = _TYPED.get(code, NotFound if status == 404 else RestApiError)
    return kind(code, message, status=status, fields=fields)


@dataclass(slots=True)
class RestClient:
    """REST calls for one org session. ``refresh`` returns a new access token after expiry."""

    session: requests.Session
    instance_url: str
    access_token: str = field(repr=False)
    api_version: str = "62.0"
    verify: bool | str = True
    refresh: Callable[[], str] | None = field(default=None, repr=False)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    requests_sent: int = 0
    deadline: float | None = None  # time.monotonic() by which every exchange must be over

    def __post_init__(self) -> None:
        self.instance_url = check_url(self.instance_url, what="instance URL")

    @property
    def base(self) -> str:
        """Return the versioned REST root, ``/services/data/vNN.0``."""
        return f"/services/data/v{self.api_version}"

    # -- the verbs --------------------------------------------------------------------------
    def query(self, soql: str) -> list[Record]:
        """Run ``soql`` and return every record, following ``nextRecordsUrl``."""
        log.debug("SOQL %s", soql)
        page = self._call("GET", f"{self.base}/query", params={"q": soql})
        records: list[Record] = list(_records(page))
        seen: set[str] = set()
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            next_url = str(page["nextRecordsUrl"])
            if next_url in seen or len(seen) >= MAX_PAGES:
                raise ServerError(
                    f"{urlsplit(self.instance_url).netloc} kept paging the query past "
                    f"{len(seen) + 1} pages or back to a page it sent; stopped"
                )
            seen.add(next_url)
            page = self._call("GET", same_origin_path(next_url))
            records.extend(_records(page))
        return [{k: v for k, v in r.items() if k != "attributes"} for r in records]

    def create(self, sobject: str, fields: Mapping[str, Any]) -> str:
        """Create one record; return its id."""
        answer = self._call("POST", f"{self.base}/sobjects/{sobject}", body=fields)
        return str(answer["id"])

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Update fields of one record."""
        self._call("PATCH", f"{self.base}/sobjects/{sobject}/{record_id}", body=fields)

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete one record (used for assignment records only, never for users)."""
        self._call("DELETE", f"{self.base}/sobjects/{sobject}/{record_id}")

    def describe(self, sobject: str) -> Record:
        """Return the describe of ``sobject``."""
        answer = self._call("GET", f"{self.base}/sobjects/{sobject}/describe")
        return dict(answer) if isinstance(answer, dict) else {}

    def identity(self) -> Record:
        """Return the logged-in user (OpenID Connect ``userinfo``: preferred_username...)."""
        answer = self._call("GET", "/services/oauth2/userinfo")
        return dict(answer) if isinstance(answer, dict) else {}

    def versions(self) -> list[Record]:
        """Return the API versions the org serves (``GET /services/data``)."""
        answer = self._request("GET", "/services/data")
        return answer if isinstance(answer, list) else []

    def composite(
        self, subrequests: Sequence[SubRequest], *, all_or_none: bool
    ) -> list[SubResponse]:
        """Run up to 25 subrequests in one round trip; return their outcomes in order."""
        if len(subrequests) > COMPOSITE_LIMIT:
            raise ValueError(f"at most {COMPOSITE_LIMIT} subrequests per composite call")
        body = {
            "allOrNone": all_or_none,
            "compositeRequest": [
                {
                    "method": s.method,
                    "url": f"{self.base}/{s.path}",
                    "referenceId": f"r{i}",
                    **({"body": dict(s.body)} if s.body is not None else {}),
                }
                for i, s in enumerate(subrequests)
            ],
        }
        answer = self._call("POST", f"{self.base}/composite", body=body)
        by_ref = {r.get("referenceId"): r for r in answer.get("compositeResponse", [])}
        return [_sub_response(by_ref.get(f"r{i}"), s) for i, s in enumerate(subrequests)]

    def run(self, subrequest: SubRequest) -> SubResponse:
        """Run one subrequest on its own, as a composite call would."""
        try:
            body = self._call(
                subrequest.method, f"{self.base}/{subrequest.path}", body=subrequest.body
            )
        except RestApiError as exc:
            return SubResponse(exc.status, None, exc)
        return SubResponse(200, body)

    # -- transport --------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._request(method, path, **kwargs)
        except SessionExpired:
            if self.refresh is None:
                raise
            self.access_token = self.refresh()
            return self._request(method, path, **kwargs)

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        url = same_origin(self.instance_url, path)
        host = urlsplit(url).netloc
        self.requests_sent += 1
        headers = {"Authorization": f"Bearer {self.access_token}", "Accept": "application/json"}
        response = transport.send(
            self.session,
            method,
            url,
            params=params,
            json=body,
            headers=headers,
            timeout=self.timeout,
            verify=self.verify,
            deadline=self.deadline,
        )
        return _answer(response, f"{method} {path.split('?')[0]}", host)


def same_origin_path(path: str) -> str:
    """Return ``path`` when it is a path on the server's own origin (``/services/...``).

    A server-given ``nextRecordsUrl`` such as ``@evil:443/x`` or ``0:18002/x``, appended to the
    instance URL as text, would move the host and send the bearer token there.
    """
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        shown = one_line(path)[:120]
        raise ServerError(f"the server gave {shown!r} as a page URL; only a path is followed")
    return path


def same_origin(base: str, path: str) -> str:
    """Return ``base + path`` after checking that it stays on ``base``'s origin."""
    url = f"{base}{same_origin_path(path)}"
    wanted, got = urlsplit(base), urlsplit(url)
    if (got.scheme, got.netloc) != (wanted.scheme, wanted.netloc):  # pragma: no cover - guard
        raise ServerError(f"refusing to send the session to {got.netloc}")
    return url


def _records(page: Any) -> list[Record]:
    records = page.get("records", []) if isinstance(page, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ServerError("the query answer has no list of records")
    return records


def _answer(response: requests.Response, what: str, host: str) -> Any:
    if response.ok and (response.status_code == 204 or not response.content):
        return {}
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.ok:
        if payload is None:
            raise ServerError(f"{host} answered {what} without JSON", status=response.status_code)
        return payload
    if response.status_code == 401:
        raise SessionExpired(f"{host} refused the session (INVALID_SESSION_ID) on {what}")
    if response.status_code >= 500 and not isinstance(payload, list):
        raise ServerError(
            f"{host} answered HTTP {response.status_code} to {what}", status=response.status_code
        )
    raise error_from(response.status_code, payload, what=what)


def _sub_response(raw: Mapping[str, Any] | None, request: SubRequest) -> SubResponse:
    if raw is None:
        missing = RestApiError("NO_RESPONSE", f"no answer to {request.method} {request.path}")
        return SubResponse(0, None, missing)
    status = int(raw.get("httpStatusCode", 0))
    body = raw.get("body")
    if 200 <= status < 300:
        return SubResponse(status, body)
    error = error_from(status, body, what=f"{request.method} {request.path}")
    if isinstance(error, RestApiError):
        return SubResponse(status, body, error)
    # a limit inside a composite still fails only its step
    return SubResponse(status, body, RestApiError(error.code, str(error), status=status))
