"""Concierge's own records, beside the checkpoints: the threads it runs, the webhook events it
received (the inbox, including timers due later), what it did or set out to do (the effects
ledger) and which email or call belongs to which thread (correlations). Embedded default: one
SQLite file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

# Each entry upgrades the schema by one version (PRAGMA user_version); never edit a released one.
MIGRATIONS = [
    """
    CREATE TABLE IF NOT EXISTS threads (
        thread_id TEXT PRIMARY KEY, helpdesk TEXT NOT NULL, ticket_id TEXT NOT NULL, created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS events (
        source TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, thread_id TEXT NOT NULL,
        payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', error TEXT,
        received_at TEXT NOT NULL, processed_at TEXT,
        PRIMARY KEY (source, event_id)
    );
    CREATE INDEX IF NOT EXISTS events_pending ON events (status, received_at);
    CREATE TABLE IF NOT EXISTS effects (
        key TEXT PRIMARY KEY, thread_id TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS correlations (key TEXT PRIMARY KEY, thread_id TEXT NOT NULL);
    """,
    # Timers and retries (not_before, attempts); two-phase effects (intent recorded before the effect).
    """
    ALTER TABLE events ADD COLUMN not_before TEXT;
    ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX events_thread ON events (thread_id, received_at);
    ALTER TABLE effects ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
    ALTER TABLE effects ADD COLUMN intent TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE effects ADD COLUMN error TEXT;
    ALTER TABLE effects ADD COLUMN updated_at TEXT;
    CREATE INDEX effects_thread ON effects (thread_id, created_at);
    """,
]


class EffectInDoubt(RuntimeError):
    """A side effect was started but its outcome was never recorded (the process stopped, or the
    provider timed out), and repeating it could do it twice: a person must check."""

    def __init__(self, key: str, intent: dict[str, Any]) -> None:
        super().__init__(f"the outcome of {key} is unknown (it was started but never confirmed); check before repeating it")
        self.key = key
        self.intent = intent


class OutcomeUnknown(Exception):
    """Raised by an effect that failed in a way that may have done it anyway (a provider 5xx while
    creating a call): the ledger keeps the attempt in doubt instead of allowing a blind repeat."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _ambiguous(exc: BaseException) -> bool:
    """A timeout, or an effect that says so, may have happened on the provider's side after all;
    any other error did not."""
    return isinstance(exc, (TimeoutError, OutcomeUnknown)) or type(exc).__name__ in {"TimeoutException", "ReadTimeout", "WriteTimeout", "APITimeoutError"}


class AppStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            version = (await cur.fetchone())[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    # --- threads --------------------------------------------------------------------------------
    async def register_thread(self, thread_id: str, helpdesk: str, ticket_id: str) -> bool:
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO threads VALUES (?, ?, ?, ?)", (thread_id, helpdesk, ticket_id, _now())
        )
        await self.db.commit()
        return cur.rowcount == 1

    async def thread_ids(self) -> list[str]:
        async with self.db.execute("SELECT thread_id FROM threads ORDER BY created_at, thread_id") as cur:
            return [r["thread_id"] for r in await cur.fetchall()]

    async def has_thread(self, thread_id: str) -> bool:
        async with self.db.execute("SELECT 1 FROM threads WHERE thread_id = ?", (thread_id,)) as cur:
            return await cur.fetchone() is not None

    # --- inbox: every webhook event (and timer) is kept until it is processed --------------------
    async def record_event(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any],
                           *, not_before: datetime | None = None) -> bool:
        """False when this provider event was already received (a re-delivery)."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO events (source, event_id, kind, thread_id, payload, received_at, not_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (source, event_id, kind, thread_id, json.dumps(payload), _now(),
             not_before.astimezone(UTC).isoformat(timespec="milliseconds") if not_before else None),
        )
        await self.db.commit()
        return cur.rowcount == 1

    async def schedule(self, thread_id: str, kind: str, payload: dict[str, Any], *, at: datetime, key: str) -> bool:
        """A durable timer: at `at` the thread's current wait is resumed with `{"type": kind, **payload}`.
        Deduplicated by `key`; False when that timer already exists."""
        return await self.record_event("timer", key, kind, thread_id, {"type": kind, **payload}, not_before=at)

    async def finish_event(self, source: str, event_id: str, *, error: str | None = None, status: str | None = None) -> None:
        await self.db.execute(
            "UPDATE events SET status = ?, error = ?, processed_at = ? WHERE source = ? AND event_id = ?",
            (status or ("failed" if error else "done"), error, _now(), source, event_id),
        )
        await self.db.commit()

    async def retry_event_later(self, source: str, event_id: str, *, at: datetime, error: str) -> None:
        """Keep the event pending, due again at `at` (a transient failure, e.g. the LLM is unreachable)."""
        await self.db.execute(
            "UPDATE events SET attempts = attempts + 1, error = ?, not_before = ? WHERE source = ? AND event_id = ?",
            (error, at.astimezone(UTC).isoformat(timespec="milliseconds"), source, event_id),
        )
        await self.db.commit()

    async def requeue_event(self, source: str, event_id: str) -> bool:
        """Make a failed event pending again (an operator's retry); False when there is no failed event."""
        cur = await self.db.execute(
            "UPDATE events SET status = 'pending', not_before = NULL, processed_at = NULL "
            "WHERE source = ? AND event_id = ? AND status = 'failed'",
            (source, event_id),
        )
        await self.db.commit()
        return cur.rowcount == 1

    _EVENT = "SELECT source, event_id, kind, thread_id, payload, status, error, attempts, received_at, not_before FROM events"

    @staticmethod
    def _event(row: aiosqlite.Row) -> dict[str, Any]:
        return {**dict(row), "payload": json.loads(row["payload"])}

    async def event(self, source: str, event_id: str) -> dict[str, Any] | None:
        async with self.db.execute(f"{self._EVENT} WHERE source = ? AND event_id = ?", (source, event_id)) as cur:
            row = await cur.fetchone()
        return None if row is None else self._event(row)

    async def pending_events(self, *, due_by: datetime | None = None) -> list[dict[str, Any]]:
        """Events not yet processed, oldest first; with `due_by`, only those due by then."""
        sql, args = f"{self._EVENT} WHERE status = 'pending'", ()
        if due_by is not None:
            sql += " AND (not_before IS NULL OR not_before <= ?)"
            args = (due_by.astimezone(UTC).isoformat(timespec="milliseconds"),)
        async with self.db.execute(sql + " ORDER BY COALESCE(not_before, received_at), received_at", args) as cur:
            return [self._event(r) for r in await cur.fetchall()]

    async def failed_events(self) -> list[dict[str, Any]]:
        async with self.db.execute(f"{self._EVENT} WHERE status = 'failed' ORDER BY received_at") as cur:
            return [self._event(r) for r in await cur.fetchall()]

    async def events(self, thread_id: str) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT source, event_id, kind, status, error, received_at, not_before FROM events WHERE thread_id = ? ORDER BY received_at",
            (thread_id,),
        ) as cur:
            return [dict(r) for r in await cur.fetchall()]

    # --- effects ledger: intent first, then the effect, then its result ---------------------------
    async def _effect_row(self, key: str) -> aiosqlite.Row | None:
        async with self.db.execute("SELECT status, intent, result FROM effects WHERE key = ?", (key,)) as cur:
            return await cur.fetchone()

    async def effect_result(self, key: str) -> Any | None:
        row = await self._effect_row(key)
        return None if row is None or row["status"] != "done" else json.loads(row["result"])

    async def _set_effect(self, key: str, status: str, *, result: Any = None, error: str | None = None) -> None:
        await self.db.execute(
            "UPDATE effects SET status = ?, result = ?, error = ?, updated_at = ? WHERE key = ?",
            (status, json.dumps(result), error, _now(), key),
        )
        await self.db.commit()

    async def once(self, key: str, thread_id: str, effect: Callable[[dict[str, Any]], Awaitable[T]], *,
                   intent: dict[str, Any] | None = None, retry_safe: bool = False) -> tuple[T, bool]:
        """Run `effect(intent)` unless `key` is done; returns (result, ran_now).

        The intent (e.g. the Message-ID an email will carry) is recorded before the effect runs, so
        a repeated attempt reuses it. An attempt that started but never finished (a crash, a
        timeout) is repeated only when `retry_safe` (the provider deduplicates by key, or the
        effect is idempotent); otherwise `EffectInDoubt` asks a person instead of guessing. Jobs
        for one thread never run concurrently, so check-then-record cannot race within a thread.
        """
        row = await self._effect_row(key)
        if row is not None and row["status"] == "done":
            return json.loads(row["result"]), False
        if row is None:
            intent = intent or {}
            await self.db.execute(
                "INSERT INTO effects (key, thread_id, status, intent, result, created_at, updated_at) VALUES (?, ?, 'pending', ?, 'null', ?, ?)",
                (key, thread_id, json.dumps(intent), _now(), _now()),
            )
            await self.db.commit()
        else:
            intent = json.loads(row["intent"])
            if row["status"] == "pending" and not retry_safe:
                raise EffectInDoubt(key, intent)
            await self._set_effect(key, "pending")
        try:
            result = await effect(intent)
        except BaseException as exc:
            if not _ambiguous(exc) and not isinstance(exc, asyncio.CancelledError):
                await self._set_effect(key, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        await self._set_effect(key, "done", result=result)
        return result, True

    async def release_in_doubt(self, thread_id: str) -> int:
        """A person checked the thread's unconfirmed effects and asks for them to be done again."""
        cur = await self.db.execute(
            "UPDATE effects SET status = 'failed', error = 'released by an operator', updated_at = ? "
            "WHERE thread_id = ? AND status = 'pending'",
            (_now(), thread_id),
        )
        await self.db.commit()
        return cur.rowcount

    async def effects(self, thread_id: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT key, thread_id, status, result, created_at FROM effects", ()
        if thread_id:
            sql, args = sql + " WHERE thread_id = ?", (thread_id,)
        async with self.db.execute(sql + " ORDER BY created_at", args) as cur:
            return [{**dict(r), "result": json.loads(r["result"])} for r in await cur.fetchall()]

    # --- correlations: message ids and call ids back to their thread ----------------------------
    async def link(self, key: str, thread_id: str) -> None:
        await self.db.execute("INSERT OR REPLACE INTO correlations VALUES (?, ?)", (key, thread_id))
        await self.db.commit()

    async def thread_for(self, *keys: str) -> str | None:
        for key in keys:
            async with self.db.execute("SELECT thread_id FROM correlations WHERE key = ?", (key,)) as cur:
                row = await cur.fetchone()
            if row is not None:
                return row["thread_id"]
        return None

    # --- added by voice2 ---
    # Claims on shared resources (call lines, a waiting list) kept as correlations whose key is
    # unique: an insert that takes a key is atomic across processes sharing the store.
    async def claim(self, key: str, thread_id: str) -> bool:
        """Take `key` for the thread; False when any thread already holds it."""
        cur = await self.db.execute("INSERT OR IGNORE INTO correlations VALUES (?, ?)", (key, thread_id))
        await self.db.commit()
        return cur.rowcount == 1

    async def claims(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, thread_id) whose key starts with `prefix`, in key order."""
        async with self.db.execute("SELECT key, thread_id FROM correlations WHERE substr(key, 1, ?) = ? ORDER BY key",
                                   (len(prefix), prefix)) as cur:
            return [(r["key"], r["thread_id"]) for r in await cur.fetchall()]

    async def release(self, prefix: str, thread_id: str) -> int:
        """Drop the thread's claims whose key starts with `prefix`."""
        cur = await self.db.execute("DELETE FROM correlations WHERE substr(key, 1, ?) = ? AND thread_id = ?",
                                    (len(prefix), prefix, thread_id))
        await self.db.commit()
        return cur.rowcount
