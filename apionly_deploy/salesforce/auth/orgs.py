"""Which org to log in to, and how: ``[orgs.NAME]`` tables, ``-o env`` and ``-o local``.

Secrets are never values in the project file: each one names an environment variable or a file,
read only when a login needs it.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from apionly_deploy.errors import AuthError, ConfigError
from apionly_deploy.fileio import read_limited
from apionly_deploy.model.text import one_line
from apionly_deploy.project.config import ORG_NAME, did_you_mean
from apionly_deploy.salesforce.metadata_api import check_url

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
log = logging.getLogger(__name__)
#: Names a project-file key's file and line (``SourceFile.locate``).
Locate = Callable[[Sequence[str]], str]


class Flow(StrEnum):
    """How an org is logged in to (the ``auth`` key)."""

    JWT = "jwt"
    CLIENT_CREDENTIALS = "client-credentials"
    SFDX_URL = "sfdx-url"
    REFRESH_TOKEN = "refresh-token"  # noqa: S105 - a flow name
    PASSWORD = "password"  # noqa: S105
    SOAP_LOGIN = "soap-login"
    ACCESS_TOKEN = "access-token"  # noqa: S105
    LOCAL = "local"


SECRETS = (
    "client_secret",
    "password",
    "security_token",
    "refresh_token",
    "access_token",
    "auth_url",
)
_PLAIN_KEYS = (
    "auth",
    "login_url",
    "instance_url",
    "username",
    "client_id",
    "audience",
    "key_file",
    "ca_cert",
    "api_version",
    "vars",
)
_KEYS = (*_PLAIN_KEYS, *(f"{s}_env" for s in SECRETS), *(f"{s}_file" for s in SECRETS))
#: What each flow needs: plain keys and secrets; secrets in brackets are optional.
_NEEDS: dict[Flow, tuple[str, ...]] = {
    Flow.JWT: ("client_id", "username", "key_file"),
    Flow.CLIENT_CREDENTIALS: ("login_url", "client_id", "client_secret"),
    Flow.SFDX_URL: ("auth_url",),
    Flow.REFRESH_TOKEN: ("client_id", "refresh_token", "[client_secret]"),
    Flow.PASSWORD: ("client_id", "username", "password", "[client_secret]", "[security_token]"),
    Flow.SOAP_LOGIN: ("username", "password", "[security_token]"),
    Flow.ACCESS_TOKEN: ("instance_url", "access_token"),
    Flow.LOCAL: (),
}


def warn_if_exposed(path: Path, what: str) -> bool:
    """Log a warning when ``path`` can be read by users other than its owner; return True then.

    Like ssh with a private key, but a warning, not a refusal: CI secret mounts are often 0644
    inside a single-user container.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # reading it will say what is wrong
    if os.name != "posix" or not mode & 0o077:
        return False
    log.warning(
        "%s %s can be read by other users (mode %s); restrict it with: chmod 600 %s",
        what,
        path,
        oct(stat.S_IMODE(mode)),
        path,
    )
    return True


@dataclass(frozen=True, slots=True)
class Secret:
    """Where a secret comes from: an environment variable, a file, or (internally) a value."""

    env: str | None = None
    file: Path | None = None
    value: str | None = field(default=None, repr=False)

    def read(self, environ: Mapping[str, str]) -> str | None:
        """Return the secret, or None when its variable is unset."""
        if self.value is not None:
            return self.value
        if self.file is not None:
            warn_if_exposed(self.file, "secret file")
            try:
                data = read_limited(self.file, 1024 * 1024)
            except OSError as exc:
                raise ConfigError(f"cannot read secret file {self.file}: {exc.strerror}") from None
            return data.decode("utf-8", errors="replace").strip()
        return environ.get(self.env) or None if self.env else None


@dataclass(frozen=True, slots=True)
class OrgConfig:
    """One target org: the flow, its non-secret settings and where its secrets live."""

    name: str
    flow: Flow
    login_url: str = DEFAULT_LOGIN_URL
    instance_url: str | None = None
    username: str | None = None
    client_id: str | None = None
    audience: str | None = None
    key_file: Path | None = None
    ca_cert: Path | None = None
    api_version: str | None = None
    secrets: Mapping[str, Secret] = field(default_factory=dict)

    def secret(self, key: str, environ: Mapping[str, str], *, required: bool = True) -> str:
        """Return secret ``key``; raise AuthError saying where it was expected."""
        ref = self.secrets.get(key) or Secret(env=default_env_var(self.name, key))
        value = ref.read(environ)
        if value is None and required:
            where = f"file {ref.file}" if ref.file else f"${ref.env}"
            raise AuthError(
                f"org {self.name!r} ({self.flow}): {key} is not set; put it in {where} "
                f"(or set {key}_env / {key}_file in [orgs.{self.name}])"
            )
        return value or ""


def default_env_var(org: str, key: str) -> str:
    """Return the variable a secret is read from by default: ``APIONLY_<ORG>_<KEY>``."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in org).upper()
    return f"APIONLY_{slug}_{key.upper()}"


def org_config_from_table(
    name: str, table: Mapping[str, Any], *, base_dir: Path, locate: Locate | None = None
) -> OrgConfig:
    """Parse one ``[orgs.NAME]`` table; paths are relative to the project folder. ``locate``
    names a key's file and line in messages (``apionly.toml:12: orgs.uat.auth``)."""
    where = locate(("orgs", name)) if locate else f"[orgs.{name}]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table (auth = ..., login_url = ...)")
    for key in table:
        if key in SECRETS:
            raise ConfigError(
                f"{where}: {key} must not be written in the project file; use {key}_env = "
                f'"VARIABLE" or {key}_file = "path" (default: ${default_env_var(name, key)})'
            )
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, _KEYS)}")
    values = {k: v for k, v in table.items() if k != "vars"}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string")
    auth = values.get("auth")
    if auth is None:
        raise ConfigError(f"{where}: auth is missing; one of: {', '.join(Flow)}")
    try:
        flow = Flow(auth)
        if flow is Flow.LOCAL:
            raise ValueError(auth)
    except ValueError:
        flows = [str(f) for f in Flow if f != Flow.LOCAL]
        at = locate(("orgs", name, "auth")) if locate else f"{where}: auth"
        raise ConfigError(
            f"{at}: {auth!r} is not a login flow{did_you_mean(auth, flows)}; "
            f"one of: {', '.join(flows)}"
        ) from None
    secrets: dict[str, Secret] = {}
    for key in SECRETS:
        if f"{key}_file" in values:
            secrets[key] = Secret(file=_path(base_dir, values[f"{key}_file"]))
        elif f"{key}_env" in values:
            secrets[key] = Secret(env=values[f"{key}_env"])
    org = OrgConfig(
        name=name,
        flow=flow,
        login_url=check_url(values.get("login_url", DEFAULT_LOGIN_URL), what=f"{where} login_url"),
        instance_url=values.get("instance_url"),
        username=values.get("username"),
        client_id=values.get("client_id"),
        audience=values.get("audience"),
        key_file=_path(base_dir, values["key_file"]) if "key_file" in values else None,
        ca_cert=_ca_file(_path(base_dir, values["ca_cert"]), f"{where} ca_cert")
        if "ca_cert" in values
        else None,
        api_version=values.get("api_version"),
        secrets=secrets,
    )
    _check_needs(org, where, set(values))
    return org


def _path(base_dir: Path, value: str) -> Path:
    """Return a path from the project file: ``~`` expanded, relative to the project folder."""
    try:
        return base_dir / Path(value).expanduser()
    except RuntimeError:  # ``~user`` of a user this machine does not have
        raise ConfigError(f"{one_line(value)!r}: no such home folder") from None


def _ca_file(path: Path, what: str) -> Path:
    """Return ``path`` when it is a file: a missing CA bundle is a config error before any login,
    not a TLS failure reported as missing API access."""
    if not path.is_file():
        raise ConfigError(
            f"{what}: {one_line(str(path))}: no such file; point it at the CA certificate (PEM) "
            "that signs the org's TLS certificate"
        )
    return path


def _check_needs(org: OrgConfig, where: str, given: set[str]) -> None:
    for need in _NEEDS[org.flow]:
        if need.startswith("[") or need in SECRETS:
            continue  # secrets are looked up at login time, where their variable is known
        if need not in given:
            raise ConfigError(f"{where}: auth = {org.flow!r} needs {need}")
    if org.instance_url is not None:
        check_url(org.instance_url, what=f"{where} instance_url")


def org_from_env(environ: Mapping[str, str]) -> OrgConfig:
    """Build the ``env`` org from APIONLY_* variables (pipelines without a project file)."""
    get = environ.get
    ca = (
        _ca_file(Path(get("APIONLY_CA_CERT", "")), "APIONLY_CA_CERT")
        if get("APIONLY_CA_CERT")
        else None
    )
    common: dict[str, Any] = {
        "name": "env",
        "ca_cert": ca,
        "api_version": get("APIONLY_API_VERSION"),
    }
    refs = {k: Secret(env=f"APIONLY_{k.upper()}") for k in SECRETS}
    if get("APIONLY_ACCESS_TOKEN"):
        url = _require_env(environ, "APIONLY_INSTANCE_URL", "with APIONLY_ACCESS_TOKEN")
        return OrgConfig(
            flow=Flow.ACCESS_TOKEN, instance_url=check_url(url), secrets=refs, **common
        )
    if get("APIONLY_AUTH_URL"):
        return OrgConfig(flow=Flow.SFDX_URL, secrets=refs, **common)
    if get("APIONLY_LOGIN_URL") and get("APIONLY_CLIENT_ID"):
        login = check_url(environ["APIONLY_LOGIN_URL"], what="APIONLY_LOGIN_URL")
        if get("APIONLY_JWT_KEY_FILE"):
            user = _require_env(environ, "APIONLY_USERNAME", "for JWT")
            return OrgConfig(
                flow=Flow.JWT,
                login_url=login,
                client_id=environ["APIONLY_CLIENT_ID"],
                username=user,
                key_file=Path(environ["APIONLY_JWT_KEY_FILE"]),
                secrets=refs,
                **common,
            )
        _require_env(environ, "APIONLY_CLIENT_SECRET", "for client credentials")
        client_id = environ["APIONLY_CLIENT_ID"]
        return OrgConfig(
            flow=Flow.CLIENT_CREDENTIALS,
            login_url=login,
            client_id=client_id,
            secrets=refs,
            **common,
        )
    raise ConfigError(
        "-o env: no credentials in the environment; set APIONLY_INSTANCE_URL + "
        "APIONLY_ACCESS_TOKEN, or APIONLY_AUTH_URL, or APIONLY_LOGIN_URL + APIONLY_CLIENT_ID + "
        "APIONLY_CLIENT_SECRET (add APIONLY_USERNAME + APIONLY_JWT_KEY_FILE for JWT)"
    )


def _require_env(environ: Mapping[str, str], key: str, why: str) -> str:
    if not environ.get(key):
        raise ConfigError(f"-o env: {key} must be set {why}")
    return environ[key]


def resolve_org(
    name: str,
    orgs: Mapping[str, Mapping[str, Any]],
    *,
    base_dir: Path,
    environ: Mapping[str, str],
    locate: Locate | None = None,
) -> OrgConfig:
    """Return the OrgConfig for ``-o NAME``: ``local``, ``env`` or a project ``[orgs]`` table."""
    if name == "local":  # reserved: a project cannot redefine the built-in targets
        return OrgConfig(name="local", flow=Flow.LOCAL)
    if name == "env":
        return org_from_env(environ)
    if not ORG_NAME.fullmatch(name):
        raise ConfigError(
            f"{one_line(name)!r} is not an org name: use up to 64 letters, digits, '-' and '_'"
        )
    if name not in orgs:
        known = sorted({*orgs, "local", "env"})
        raise ConfigError(
            f"no org named {name!r}{did_you_mean(name, known)}; define [orgs.{name}] in the "
            f"project file or use one of: {', '.join(known)}"
        )
    return org_config_from_table(name, orgs[name], base_dir=base_dir, locate=locate)
