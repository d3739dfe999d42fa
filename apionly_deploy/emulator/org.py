"""One emulated org: its store, settings, credentials, sessions and job engines."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from apionly_deploy.emulator import ids, seed
from apionly_deploy.emulator.deploys import DeployEngine
from apionly_deploy.emulator.faults import FaultPlan
from apionly_deploy.emulator.retrieves import RetrieveEngine
from apionly_deploy.emulator.settings import EmulatorSettings
from apionly_deploy.emulator.store import Session, Store


class InvalidSession(Exception):
    """The session id is unknown, expired or revoked."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a client needs to log in to the org (kept in the store, so stable over restarts)."""

    org_id: str
    username: str
    password: str
    client_id: str
    client_secret: str
    refresh_token: str
    admin_user_id: str


class Org:
    """The org behind every API: shared by all request threads."""

    def __init__(self, store: Store, settings: EmulatorSettings) -> None:
        self.store = store
        self._settings = settings
        self._lock = threading.Lock()
        self.faults = FaultPlan()
        self.credentials = self._load_or_seed()
        self.deploys = DeployEngine(store, lambda: self.settings)
        self.retrieves = RetrieveEngine(store, lambda: self.settings)

    @property
    def settings(self) -> EmulatorSettings:
        return self._settings

    def configure(self, **changes: Any) -> EmulatorSettings:
        """Replace some settings (deploy timing, limits...) for the jobs that come next."""
        with self._lock:
            self._settings = dataclasses.replace(self._settings, **changes)
            return self._settings

    def now(self) -> float:
        return self._settings.clock()

    def _load_or_seed(self) -> Credentials:
        with self.store.transaction():
            if self.store.get_meta("org_id") is None:
                org_id = ids.random_org_id()
                username = f"admin@{org_id[:15].lower()}.local"
                self.store.set_meta("org_id", org_id)
                self.store.set_meta("username", username)
                self.store.set_meta("password", ids.new_secret(20))
                self.store.set_meta("client_id", "3MVG9" + ids.new_secret(80))
                self.store.set_meta("client_secret", ids.new_secret(64).upper())
                user_id = seed.seed(
                    self.store,
                    org_name=self.settings.org_name,
                    sandbox=self.settings.sandbox,
                    username=username,
                    now=self.now(),
                )
                refresh = f"5Aep861{ids.new_secret(80)}"
                self.store.add_refresh_token(
                    refresh, user_id, self.store.get_meta("client_id") or ""
                )
                self.store.set_meta("refresh_token", refresh)
                self.store.set_meta("admin_user_id", user_id)
        meta = self.store.get_meta
        return Credentials(
            org_id=meta("org_id") or "",
            username=meta("username") or "",
            password=meta("password") or "",
            client_id=meta("client_id") or "",
            client_secret=meta("client_secret") or "",
            refresh_token=meta("refresh_token") or "",
            admin_user_id=meta("admin_user_id") or "",
        )

    # -- sessions -------------------------------------------------------------------------
    def issue_session(self, user_id: str, client_id: str | None = None) -> Session:
        now = self.now()
        session = Session(
            token=ids.new_access_token(self.credentials.org_id),
            user_id=user_id,
            client_id=client_id,
            issued=now,
            expires=now + self.settings.session_seconds,
            calls=0,
        )
        self.store.add_session(session)
        return session

    def authenticate(self, token: str | None) -> Session:
        """Return the live session for ``token``; raise InvalidSession otherwise."""
        if not token:
            raise InvalidSession("Illegal Session")
        session = self.store.use_session(token)
        if session is None or session.expires <= self.now():
            raise InvalidSession("Illegal Session")
        limit = self.faults.session_call_limit
        if limit is not None and session.calls > limit:
            self.store.revoke_session(token)
            raise InvalidSession("Session expired or invalid")
        return session

    def user(self, user_id: str) -> dict[str, Any]:
        found = self.store.get_record(user_id)
        return found[1] if found else {}

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        for user in self.store.records("User"):
            if str(user.get("Username", "")).lower() == username.lower():
                return user
        return None

    def organization(self) -> dict[str, Any]:
        records = self.store.records("Organization")
        return records[0] if records else {}
