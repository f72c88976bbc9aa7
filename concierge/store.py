"""Concierge's own records, beside the checkpoints: the threads it runs, the webhook events it
received (the inbox), what it already did (the effects ledger) and which email or call belongs to
which thread (correlations). Embedded default: one SQLite file.
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

SCHEMA = """
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
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class AppStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.executescript(SCHEMA)
        await self._db.commit()

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

    # --- inbox: every webhook event is kept until it is processed -------------------------------
    async def record_event(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> bool:
        """False when this provider event was already received (a re-delivery)."""
        cur = await self.db.execute(
            "INSERT OR IGNORE INTO events (source, event_id, kind, thread_id, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)",
            (source, event_id, kind, thread_id, json.dumps(payload), _now()),
        )
        await self.db.commit()
        return cur.rowcount == 1

    async def finish_event(self, source: str, event_id: str, *, error: str | None = None) -> None:
        await self.db.execute(
            "UPDATE events SET status = ?, error = ?, processed_at = ? WHERE source = ? AND event_id = ?",
            ("failed" if error else "done", error, _now(), source, event_id),
        )
        await self.db.commit()

    async def pending_events(self) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT source, event_id, kind, thread_id, payload FROM events WHERE status = 'pending' ORDER BY received_at"
        ) as cur:
            return [{**dict(r), "payload": json.loads(r["payload"])} for r in await cur.fetchall()]

    async def events(self, thread_id: str) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT source, event_id, kind, status, error, received_at FROM events WHERE thread_id = ? ORDER BY received_at",
            (thread_id,),
        ) as cur:
            return [dict(r) for r in await cur.fetchall()]

    # --- effects ledger: each side effect runs once per key -------------------------------------
    async def _effect_row(self, key: str) -> aiosqlite.Row | None:
        async with self.db.execute("SELECT result FROM effects WHERE key = ?", (key,)) as cur:
            return await cur.fetchone()

    async def effect_result(self, key: str) -> Any | None:
        row = await self._effect_row(key)
        return None if row is None else json.loads(row["result"])

    async def once(self, key: str, thread_id: str, effect: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """Run `effect` unless `key` is already in the ledger; returns (result, ran_now).

        Jobs for one thread never run concurrently, so check-then-record cannot race within a thread.
        """
        done = await self._effect_row(key)
        if done is not None:
            return json.loads(done["result"]), False
        result = await effect()
        await self.db.execute(
            "INSERT INTO effects (key, thread_id, result, created_at) VALUES (?, ?, ?, ?)",
            (key, thread_id, json.dumps(result), _now()),
        )
        await self.db.commit()
        return result, True

    async def effects(self, thread_id: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT key, thread_id, result, created_at FROM effects", ()
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
