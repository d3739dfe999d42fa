"""Requests and responses as the API modules see them, free of any socket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def form(self) -> dict[str, str]:
        """Return an application/x-www-form-urlencoded body (last value wins)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}

    def bearer(self) -> str | None:
        value = self.header("authorization") or ""
        for scheme in ("Bearer ", "OAuth "):
            if value.startswith(scheme):
                return value[len(scheme) :].strip()
        return None


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: Close the connection without answering (fault injection).
    drop: bool = False


def json_response(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode())


def rest_error(status: int, code: str, message: str, **extra: Any) -> Response:
    """Salesforce's REST error shape: a list of {message, errorCode}."""
    return json_response(status, [{"message": message, "errorCode": code, **extra}])
