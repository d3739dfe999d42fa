"""The REST API at /services/data: versions, resources, query, sobjects, Metadata REST deploy."""

from __future__ import annotations

import re

from apionly_deploy.emulator import rest_api
from apionly_deploy.emulator.http import Request, Response, json_response, rest_error
from apionly_deploy.emulator.org import Org

_VERSIONED = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")


def operation_of(path: str) -> str:
    """Name a REST call for fault rules and the request log (``query``, ``sobjects``...)."""
    match = _VERSIONED.match(path.rstrip("/"))
    if not match:
        return "versions"
    rest = (match.group(2) or "/").strip("/").split("/")
    if rest[0] == "metadata" and len(rest) > 1:
        return rest[1]
    return rest[0] or "resources"


def version_label(major: int) -> str:
    """Return the release name of an API version (62 -> "Winter '25")."""
    steps_back = 62 - major
    season = ("Winter", "Summer", "Spring")[steps_back % 3]
    return f"{season} '{25 - (steps_back + 2) // 3:02d}"


def versions(org: Org) -> list[dict[str, str]]:
    return [
        {"label": version_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(31, org.settings.api_major + 1)
    ]


def handle(org: Org, request: Request) -> Response:
    path = request.path.rstrip("/")
    if path == "/services/data":
        return json_response(200, versions(org))
    match = _VERSIONED.match(path)
    if not match:
        return rest_error(404, "NOT_FOUND", "The requested resource does not exist")
    return rest_api.handle(org, request, match.group(1), (match.group(2) or "").strip("/"))
