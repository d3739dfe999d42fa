"""An open connection to one target org: HTTP client, session, and logging in again."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apionly_deploy.errors import ConfigError, SessionExpired
from apionly_deploy.project.config import Project
from apionly_deploy.salesforce.auth import (
    Flow,
    OrgConfig,
    OrgSession,
    Secret,
    http_for,
    login,
    resolve_org,
)
from apionly_deploy.salesforce.metadata_api import Http, MetadataClient

DEFAULT_API_VERSION = "62.0"
TIMEOUT_VARIABLE = "APIONLY_HTTP_TIMEOUT"


@dataclass(slots=True)
class Connection:
    """A logged-in org. ``relogin`` gives a fresh client after INVALID_SESSION_ID."""

    org: OrgConfig
    http: Http
    session: OrgSession
    api_version: str
    environ: Mapping[str, str] = field(repr=False)
    logins: int = 1

    @property
    def name(self) -> str:
        """Return the target's name as the user typed it (``-o NAME``)."""
        return self.org.name

    def client(self) -> MetadataClient:
        """Return a Metadata API client for the current session."""
        return MetadataClient(
            self.http,
            instance_url=self.session.instance_url,
            access_token=self.session.access_token,
            api_version=self.api_version,
        )

    def relogin(self) -> MetadataClient:
        """Log in again and return a client for the new session."""
        if not self.session.refreshable:
            raise SessionExpired(
                f"the access token of org {self.name!r} expired or was revoked and this login "
                "flow cannot renew it; get a new token"
            )
        self.session = login(self.org, self.http, environ=self.environ)
        self.logins += 1
        return self.client()


@contextlib.contextmanager
def connect(
    org: OrgConfig,
    *,
    project_dir: Path,
    api_version: str | None = None,
    environ: Mapping[str, str] | None = None,
    deadline: float | None = None,
) -> Iterator[Connection]:
    """Log in to ``org`` (starting the embedded local org for ``-o local``).

    ``deadline`` (``time.monotonic()``) bounds every exchange with the org, login included.
    """
    env = os.environ if environ is None else environ
    version = api_version or org.api_version or DEFAULT_API_VERSION
    timeout = http_timeout(env)
    if org.flow is Flow.LOCAL:
        # Imported on use: the emulator (and its TLS setup) is only needed for -o local.
        emulator = importlib.import_module("apionly_deploy.emulator")
        with emulator.local_org(project_dir) as info:
            local = local_org_config(info)
            http = http_for(local, timeout=timeout, deadline=deadline)
            yield Connection(local, http, login(local, http, environ=env), version, env)
        return
    http = http_for(org, timeout=timeout, deadline=deadline)
    yield Connection(org, http, login(org, http, environ=env), version, env)


def http_timeout(environ: Mapping[str, str]) -> float | None:
    """Return ``APIONLY_HTTP_TIMEOUT`` (seconds one answer may take), or None when unset."""
    text = environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"{TIMEOUT_VARIABLE}={text!r}: expected a number of seconds above 0")
    return seconds


def _field(info: Any, key: str) -> Any:
    return info.get(key) if isinstance(info, Mapping) else getattr(info, key, None)


def local_org_config(info: Any) -> OrgConfig:
    """Return the OrgConfig of a running local org from its connection info."""
    login_url = _field(info, "login_url") or _field(info, "instance_url")
    if not login_url:
        raise ConfigError("the local org did not say where it listens")
    ca_cert = _field(info, "ca_cert")
    common: dict[str, Any] = {
        "name": "local",
        "login_url": str(login_url),
        "instance_url": str(_field(info, "instance_url") or login_url),
        "ca_cert": Path(ca_cert) if ca_cert else None,
        "client_id": _field(info, "client_id"),
    }
    secret = _field(info, "client_secret")
    if secret and common["client_id"]:
        secrets = {"client_secret": Secret(value=str(secret))}
        return OrgConfig(flow=Flow.CLIENT_CREDENTIALS, secrets=secrets, **common)
    token = str(_field(info, "access_token") or "")
    return OrgConfig(
        flow=Flow.ACCESS_TOKEN, secrets={"access_token": Secret(value=token)}, **common
    )


@contextlib.contextmanager
def connect_to(
    org_name: str,
    *,
    project: Project | None,
    project_dir: Path,
    api_version: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Connection]:
    """Resolve ``org_name`` (``local``, ``env`` or the project's ``[orgs.NAME]``) and log in:
    the one way retrieve, users, doctor and ``diff --from-org`` reach an org.

    ``api_version`` defaults to the project's; errors in an ``[orgs]`` table name its line.
    """
    env = os.environ if environ is None else environ
    tables = project.orgs if project is not None else {}
    locate = project.source.locate if project is not None else None
    org = resolve_org(org_name, tables, base_dir=project_dir, environ=env, locate=locate)
    version = api_version or (project.api_version if project is not None else None)
    with connect(org, project_dir=project_dir, api_version=version, environ=env) as connection:
        yield connection
