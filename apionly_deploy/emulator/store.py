"""The org's state in SQLite: records, metadata components, sessions and async jobs.

One connection guarded by a lock serves every request thread; ``transaction()`` groups writes
so a deploy with rollbackOnError lands whole or not at all. ``:memory:`` for tests, a file
under the data dir otherwise (it survives a restart).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apionly_deploy.emulator import ids

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, sobject TEXT NOT NULL, fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_sobject ON records (sobject);
CREATE TABLE IF NOT EXISTS components (
    type TEXT NOT NULL, full_name TEXT NOT NULL, file_name TEXT NOT NULL, xml BLOB NOT NULL,
    id TEXT NOT NULL, created REAL NOT NULL, modified REAL NOT NULL,
    PRIMARY KEY (type, full_name));
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT, issued REAL NOT NULL,
    expires REAL NOT NULL, calls INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jwt_certificates (client_id TEXT PRIMARY KEY, pem BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL, state TEXT NOT NULL,
    payload BLOB);
"""


@dataclass(frozen=True, slots=True)
class StoredComponent:
    type: str
    full_name: str
    file_name: str
    xml: bytes
    id: str
    created: float
    modified: float


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user_id: str
    client_id: str | None
    issued: float
    expires: float
    calls: int


class Store:
    """Thread-safe access to one org's SQLite database."""

    def __init__(self, path: Path | None = None) -> None:
        target = ":memory:" if path is None else str(path)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        self._depth = 0
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Flush and close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically (nested calls join the outer transaction)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _run(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # -- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._all("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)

    def next_number(self) -> int:
        """Return a fresh number for an id (unique within this org)."""
        with self.transaction():
            number = int(self.get_meta("next_number") or "1")
            self.set_meta("next_number", str(number + 1))
            return number

    def new_id(self, object_name: str) -> str:
        return ids.make_id(object_name, self.next_number())

    # -- records --------------------------------------------------------------------------
    def insert_record(self, sobject: str, fields: dict[str, Any]) -> str:
        record_id = str(fields.get("Id") or self.new_id(sobject))
        fields = {**fields, "Id": record_id}
        self._run(
            "INSERT INTO records (id, sobject, fields) VALUES (?, ?, ?)",
            record_id,
            sobject,
            json.dumps(fields),
        )
        return record_id

    def get_record(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """Return (object name, fields) of a record by 15- or 18-character id."""
        rows = self._all(
            "SELECT sobject, fields FROM records WHERE substr(id, 1, 15) = ?", record_id[:15]
        )
        return (str(rows[0][0]), json.loads(rows[0][1])) if rows else None

    def update_record(self, record_id: str, changes: dict[str, Any]) -> None:
        with self.transaction():
            found = self.get_record(record_id)
            if found is None:
                raise KeyError(record_id)
            fields = {**found[1], **changes, "Id": found[1]["Id"]}
            self._run(
                "UPDATE records SET fields = ? WHERE id = ?", json.dumps(fields), fields["Id"]
            )

    def delete_record(self, record_id: str) -> bool:
        return self._run("DELETE FROM records WHERE substr(id, 1, 15) = ?", record_id[:15]) > 0

    def records(self, sobject: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT fields FROM records WHERE sobject = ? ORDER BY rowid", sobject)
        return [json.loads(row[0]) for row in rows]

    def find_record(self, sobject: str, **match: Any) -> dict[str, Any] | None:
        for fields in self.records(sobject):
            if all(fields.get(key) == value for key, value in match.items()):
                return fields
        return None

    # -- metadata components --------------------------------------------------------------
    def put_component(self, component: StoredComponent) -> None:
        self._run(
            "INSERT OR REPLACE INTO components VALUES (?, ?, ?, ?, ?, ?, ?)",
            component.type,
            component.full_name,
            component.file_name,
            component.xml,
            component.id,
            component.created,
            component.modified,
        )

    def get_component(self, type_name: str, full_name: str) -> StoredComponent | None:
        rows = self._all(
            "SELECT * FROM components WHERE type = ? AND full_name = ?", type_name, full_name
        )
        return StoredComponent(*rows[0]) if rows else None

    def components(self, type_name: str) -> list[StoredComponent]:
        rows = self._all("SELECT * FROM components WHERE type = ? ORDER BY full_name", type_name)
        return [StoredComponent(*row) for row in rows]

    def delete_component(self, type_name: str, full_name: str) -> bool:
        return (
            self._run(
                "DELETE FROM components WHERE type = ? AND full_name = ?", type_name, full_name
            )
            > 0
        )

    # -- sessions and OAuth ---------------------------------------------------------------
    def add_session(self, session: Session) -> None:
        self._run(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
            session.token,
            session.user_id,
            session.client_id,
            session.issued,
            session.expires,
            session.calls,
        )

    def use_session(self, token: str) -> Session | None:
        """Count one call on a session and return it (None when unknown)."""
        with self.transaction():
            rows = self._all("SELECT * FROM sessions WHERE token = ?", token)
            if not rows:
                return None
            self._run("UPDATE sessions SET calls = calls + 1 WHERE token = ?", token)
            row = rows[0]
            return Session(row[0], row[1], row[2], row[3], row[4], row[5] + 1)

    def revoke_session(self, token: str) -> bool:
        removed = self._run("DELETE FROM sessions WHERE token = ?", token)
        removed += self._run("DELETE FROM refresh_tokens WHERE token = ?", token)
        return removed > 0

    def expire_all_sessions(self) -> None:
        self._run("UPDATE sessions SET expires = 0")

    def add_refresh_token(self, token: str, user_id: str, client_id: str) -> None:
        self._run(
            "INSERT OR REPLACE INTO refresh_tokens VALUES (?, ?, ?)", token, user_id, client_id
        )

    def refresh_token_owner(self, token: str) -> tuple[str, str] | None:
        rows = self._all("SELECT user_id, client_id FROM refresh_tokens WHERE token = ?", token)
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def set_jwt_certificate(self, client_id: str, pem: bytes) -> None:
        self._run("INSERT OR REPLACE INTO jwt_certificates VALUES (?, ?)", client_id, pem)

    def jwt_certificate(self, client_id: str) -> bytes | None:
        rows = self._all("SELECT pem FROM jwt_certificates WHERE client_id = ?", client_id)
        return bytes(rows[0][0]) if rows else None

    # -- async jobs -----------------------------------------------------------------------
    def put_job(
        self,
        job_id: str,
        kind: str,
        created: float,
        state: dict[str, Any],
        payload: bytes | None = None,
    ) -> None:
        self._run(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, ?)",
            job_id,
            kind,
            created,
            json.dumps(state),
            payload,
        )

    def get_job(self, job_id: str) -> tuple[str, float, dict[str, Any]] | None:
        """Return (kind, created, state) of a job by 15- or 18-character id."""
        rows = self._all(
            "SELECT kind, created, state FROM jobs WHERE substr(id, 1, 15) = ?", job_id[:15]
        )
        return (str(rows[0][0]), float(rows[0][1]), json.loads(rows[0][2])) if rows else None

    def job_payload(self, job_id: str) -> bytes | None:
        rows = self._all("SELECT payload FROM jobs WHERE substr(id, 1, 15) = ?", job_id[:15])
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def update_job(self, job_id: str, state: dict[str, Any]) -> None:
        self._run(
            "UPDATE jobs SET state = ? WHERE substr(id, 1, 15) = ?", json.dumps(state), job_id[:15]
        )

    def open_jobs(self, kind: str) -> list[str]:
        rows = self._all(
            "SELECT id FROM jobs WHERE kind = ? AND json_extract(state, '$.done') = 0", kind
        )
        return [str(row[0]) for row in rows]

    def jobs(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """Return ``(id, state)`` of every job of ``kind``, oldest first (tests audit these)."""
        rows = self._all("SELECT id, state FROM jobs WHERE kind = ? ORDER BY rowid", kind)
        return [(str(row[0]), json.loads(row[1])) for row in rows]

    def session_tokens(self) -> list[str]:
        """Return every access token the org ever issued (tests check none leaks)."""
        return [str(row[0]) for row in self._all("SELECT token FROM sessions")]
