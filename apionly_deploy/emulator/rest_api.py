"""Versioned REST resources (filled in below)."""

from __future__ import annotations

from apionly_deploy.emulator.http import Request, Response, rest_error
from apionly_deploy.emulator.org import Org


def handle(org: Org, request: Request, version: str, rest: str) -> Response:
    del org, request, version, rest
    return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
