"""The console's own records, in their own SQLite file beside Concierge's (`console.sqlite` in the
data folder): operator accounts, their open sessions, and the settings saved on the Settings page.

Passwords are Argon2id hashes (argon2-cffi); a session is kept as the SHA-256 of its id, so the file
holds no usable session; every saved setting value is Fernet-encrypted, so the file holds no secret
in the clear.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from concierge.keys import local_secret
from concierge.settings import Settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS operators (
    name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS saved_settings (
    name TEXT PRIMARY KEY, value BLOB NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, operator TEXT NOT NULL, stamp TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_operator ON sessions (operator);
"""
OPERATOR_NAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
_hasher = PasswordHasher()


def encryption_key(settings: Settings) -> bytes:
    """SETTINGS_ENCRYPTION_KEY when set; otherwise a key derived from a secret generated once in the data folder."""
    if settings.settings_encryption_key:
        return settings.settings_encryption_key.get_secret_value().encode()
    secret = local_secret(settings.data_dir, "settings_key")
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ConsoleStore:
    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.fernet = Fernet(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> ConsoleStore:
        return cls(settings.console_db_path, encryption_key(settings))

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    # --- operators -------------------------------------------------------------------------------
    def add_operator(self, name: str, password: str) -> None:
        """Create or replace the operator's password; a new password ends every session of theirs."""
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash",
                       (name, _hasher.hash(password), _now()))
            db.execute("DELETE FROM sessions WHERE operator = ?", (name,))

    def remove_operator(self, name: str) -> bool:
        """Remove the operator and end their sessions (in one transaction: no session outlives them)."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE operator = ?", (name,))
            return db.execute("DELETE FROM operators WHERE name = ?", (name,)).rowcount > 0

    def operators(self) -> list[str]:
        with closing(self._connect()) as db:
            return [r[0] for r in db.execute("SELECT name FROM operators ORDER BY name")]

    def check_password(self, name: str, password: str) -> bool:
        with closing(self._connect()) as db:
            row = db.execute("SELECT password_hash FROM operators WHERE name = ?", (name,)).fetchone()
        if row is None:
            _hasher.hash(password)  # as slow as a real check: the answer time does not tell which names exist
            return False
        try:
            return _hasher.verify(row[0], password)
        except (VerificationError, InvalidHashError):
            return False

    # --- sessions ----------------------------------------------------------------------------------
    def open_session(self, operator: str, max_age_s: float, stamp: str = "") -> str:
        """A new session of `operator` (a random id for the cookie), valid for `max_age_s`. `stamp`
        ties it to the credential it was opened with (the admin token's digest)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
            db.execute("INSERT INTO sessions (id_hash, operator, stamp, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                       (_session_hash(session_id), operator, stamp, _now(), now + max_age_s))
        return session_id

    def session(self, session_id: str) -> tuple[str, str] | None:
        """(operator, stamp) of an open session; None when it was ended, has expired or never was."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT operator, stamp FROM sessions WHERE id_hash = ? AND expires_at > ?",
                             (_session_hash(session_id), time.time())).fetchone()
        return (row[0], row[1]) if row else None

    def end_session(self, session_id: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_session_hash(session_id),))

    def end_sessions(self, operator: str) -> int:
        """End every session of `operator`; how many there were."""
        with closing(self._connect()) as db, db:
            return db.execute("DELETE FROM sessions WHERE operator = ?", (operator,)).rowcount

    # --- saved settings ----------------------------------------------------------------------------
    def save_setting(self, name: str, value: str, by: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO saved_settings (name, value, updated_by, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, "
                       "updated_at = excluded.updated_at", (name, self.fernet.encrypt(value.encode()), by, _now()))

    def clear_setting(self, name: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM saved_settings WHERE name = ?", (name,))

    def saved_settings(self) -> dict[str, str]:
        """Every saved setting, decrypted, by its environment name; a value the key cannot open is left out."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT name, value FROM saved_settings").fetchall()
        values = {}
        for name, token in rows:
            try:
                values[name] = self.fernet.decrypt(token).decode()
            except InvalidToken:
                continue  # saved under another key (SETTINGS_ENCRYPTION_KEY changed): ignored, shown as unset
        return values

    def setting_updates(self) -> dict[str, tuple[str, str]]:
        """Who last saved each setting, and when."""
        with closing(self._connect()) as db:
            return {n: (by, at) for n, by, at in db.execute("SELECT name, updated_by, updated_at FROM saved_settings")}
