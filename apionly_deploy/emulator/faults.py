"""Fault injection: latency, dropped connections, lost answers, HTTP 5xx, REQUEST_LIMIT_EXCEEDED.

Rules match a call by its operation (``deploy``, ``checkDeployStatus``, ``token``, ``query``)
or by a path prefix; ``after`` lets that many matching calls through first (the third poll:
``after=2``); ``times`` bounds how often a rule fires (None: until cleared).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    LATENCY = "latency"
    DROP = "drop"
    HTTP_ERROR = "http_error"
    REQUEST_LIMIT = "request_limit"
    #: The org does the work, then the connection drops before the answer (a lost response).
    LOST_RESPONSE = "lost_response"


@dataclass
class FaultRule:
    kind: FaultKind
    match: str | None = None
    times: int | None = 1
    status: int = 500
    seconds: float = 0.0
    after: int = 0

    def matches(self, operation: str, path: str) -> bool:
        return self.match is None or self.match == operation or path.startswith(self.match)


class FaultPlan:
    """The faults one emulator injects; thread-safe, changed by tests or the admin endpoint."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        #: A session stops working after this many calls (None: never); read by the server.
        self.session_call_limit: int | None = None

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def latency(
        self,
        seconds: float,
        *,
        match: str | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> FaultRule:
        """Delay matching calls by ``seconds`` before answering."""
        return self.add(FaultRule(FaultKind.LATENCY, match, times, seconds=seconds, after=after))

    def drop_connection(
        self, *, match: str | None = None, times: int | None = 1, after: int = 0
    ) -> FaultRule:
        """Close the connection without answering (the request is not processed)."""
        return self.add(FaultRule(FaultKind.DROP, match, times, after=after))

    def lose_response(
        self, *, match: str | None = None, times: int | None = 1, after: int = 0
    ) -> FaultRule:
        """Process the request, then close the connection before the answer."""
        return self.add(FaultRule(FaultKind.LOST_RESPONSE, match, times, after=after))

    def http_error(
        self,
        status: int = 500,
        *,
        match: str | None = None,
        times: int | None = 1,
        after: int = 0,
    ) -> FaultRule:
        """Answer with an HTTP error page (500, 502, 503...)."""
        return self.add(FaultRule(FaultKind.HTTP_ERROR, match, times, status=status, after=after))

    def request_limit_exceeded(
        self, *, match: str | None = None, times: int | None = 1, after: int = 0
    ) -> FaultRule:
        """Answer with Salesforce's REQUEST_LIMIT_EXCEEDED (SOAP fault or REST 403)."""
        return self.add(FaultRule(FaultKind.REQUEST_LIMIT, match, times, after=after))

    def expire_sessions_after(self, calls: int | None) -> None:
        """Make every session invalid once it has been used for ``calls`` calls."""
        self.session_call_limit = calls

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
        self.session_call_limit = None

    def take(self, operation: str, path: str) -> list[FaultRule]:
        """Return the rules that fire for this call, using up one of their ``times``."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(operation, path):
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    continue
                fired.append(rule)
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
        return fired
