"""Run the local org in process: ``running_emulator()`` for tests, ``local_org()`` for
``-o local``."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apionly_deploy.emulator import tls as tls_files
from apionly_deploy.emulator.app import App, RequestLog
from apionly_deploy.emulator.faults import FaultPlan
from apionly_deploy.emulator.org import Org
from apionly_deploy.emulator.server import EmulatorServer, ServerThread
from apionly_deploy.emulator.settings import EmulatorSettings
from apionly_deploy.emulator.store import Store

DB_FILE = "org.sqlite3"
LOCAL_ORG_DIR = Path(".apionly") / "local-org"
_shared_tls: tls_files.TlsFiles | None = None
_shared_lock = threading.Lock()


@dataclass(frozen=True)
class EmulatorInfo:
    """How to reach a running emulator, and handles to steer it."""

    instance_url: str
    login_url: str
    ca_cert: Path | None
    org_id: str
    username: str
    password: str
    client_id: str
    client_secret: str
    access_token: str
    refresh_token: str
    #: Bearer token for the admin endpoint /_emulator/ (faults, request log).
    admin_token: str
    emulator: Emulator = field(repr=False, compare=False)

    @property
    def faults(self) -> FaultPlan:
        return self.emulator.org.faults

    @property
    def requests(self) -> RequestLog:
        return self.emulator.app.requests

    @property
    def org(self) -> Org:
        return self.emulator.org

    @property
    def settings(self) -> EmulatorSettings:
        return self.emulator.org.settings

    def configure(self, **changes: Any) -> EmulatorSettings:
        """Change settings (``deploy_polls=5``, ``never_finish=True``...) for later jobs."""
        return self.emulator.org.configure(**changes)

    def register_jwt_certificate(self, client_id: str, certificate_pem: bytes) -> None:
        """Trust JWT bearer assertions from ``client_id`` signed by this certificate's key."""
        self.emulator.org.store.set_jwt_certificate(client_id, certificate_pem)

    def new_access_token(self, username: str | None = None) -> str:
        """Issue a fresh session for a user (the administrator by default)."""
        org = self.emulator.org
        user = org.user_by_name(username) if username else None
        user_id = str(user["Id"]) if user else org.credentials.admin_user_id
        return org.issue_session(user_id).token

    def to_json(self) -> dict[str, str | None]:
        """Return what ``--info-file`` holds."""
        return {
            "instance_url": self.instance_url,
            "login_url": self.login_url,
            "ca_cert": str(self.ca_cert) if self.ca_cert else None,
            "org_id": self.org_id,
            "username": self.username,
            "password": self.password,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "admin_token": self.admin_token,
        }


def _shared_certificates() -> tls_files.TlsFiles:
    """Return one CA and server certificate per process for emulators without a data dir."""
    global _shared_tls
    with _shared_lock:
        if _shared_tls is None:
            directory = Path(tempfile.mkdtemp(prefix="apionly-local-org-tls-"))
            atexit.register(shutil.rmtree, directory, True)
            _shared_tls = tls_files.ensure_certificates(directory)
        return _shared_tls


def _private_folder(data_dir: Path) -> None:
    """Make the org's folder and database owner-only: they hold its credentials and sessions."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    database = data_dir / DB_FILE
    os.close(os.open(database, os.O_RDWR | os.O_CREAT, 0o600))
    database.chmod(0o600)


class Emulator:
    """One local org: SQLite state, an HTTP(S) server on loopback, a daemon thread."""

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        tls: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: EmulatorSettings | None = None,
    ) -> None:
        self.data_dir = data_dir
        if data_dir is not None:
            _private_folder(data_dir)
        self.store = Store(data_dir / DB_FILE if data_dir else None)
        self.org = Org(self.store, settings or EmulatorSettings())
        self.app = App(self.org, admin_token=self._admin_token())
        self._tls = None
        if tls:
            self._tls = (
                tls_files.ensure_certificates(data_dir / "tls")
                if data_dir
                else _shared_certificates()
            )
        context = tls_files.server_context(self._tls) if self._tls else None
        self.server = EmulatorServer(self.app, host=host, port=port, context=context)
        self._thread = ServerThread(self.server)
        self.info: EmulatorInfo | None = None

    def _admin_token(self) -> str:
        token = self.store.get_meta("admin_token")
        if token is None:
            from apionly_deploy.emulator.ids import new_secret

            token = new_secret(40)
            self.store.set_meta("admin_token", token)
        return token

    def start(self) -> EmulatorInfo:
        """Start serving; return the connection details."""
        self._thread.start()
        creds = self.org.credentials
        url = self.server.base_url
        self.info = EmulatorInfo(
            instance_url=url,
            login_url=url,
            ca_cert=self._tls.ca_cert if self._tls else None,
            org_id=creds.org_id,
            username=creds.username,
            password=creds.password,
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            access_token=self.org.issue_session(creds.admin_user_id).token,
            refresh_token=creds.refresh_token,
            admin_token=self._admin_token(),
            emulator=self,
        )
        return self.info

    def stop(self) -> None:
        """Stop serving and close the database (its state is on disk when it has a data dir)."""
        self._thread.stop()
        self.store.close()

    def __enter__(self) -> EmulatorInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running_emulator(
    *,
    data_dir: Path | None = None,
    tls: bool = True,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: EmulatorSettings | None = None,
) -> Iterator[EmulatorInfo]:
    """Run a local org for the duration of the block."""
    emulator = Emulator(data_dir=data_dir, tls=tls, host=host, port=port, settings=settings)
    try:
        yield emulator.start()
    finally:
        emulator.stop()


#: The embedded ``-o local`` org finishes a deploy on its first status check.
LOCAL_ORG_SETTINGS = EmulatorSettings(deploy_polls=1)


@contextmanager
def local_org(
    project_dir: Path, *, settings: EmulatorSettings | None = None
) -> Iterator[EmulatorInfo]:
    """Run the project's own local org, its state under ``<project>/.apionly/local-org/``."""
    with running_emulator(
        data_dir=project_dir / LOCAL_ORG_DIR, settings=settings or LOCAL_ORG_SETTINGS
    ) as info:
        yield info


def write_info_file(path: Path, info: EmulatorInfo) -> None:
    """Write the connection details as JSON, readable by the owner only (it holds secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(info.to_json(), handle, indent=2)
        handle.write("\n")
    tmp.replace(path)
