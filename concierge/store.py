"""Concierge's own records, beside the checkpoints: the threads it runs, the webhook events it
received (the inbox, including timers due later), what it did or set out to do (the effects
ledger) and which email or call belongs to which thread (correlations).

One code path (SQLAlchemy Core) for both engines: a SQLite file by default, PostgreSQL when
`DATABASE_URL` is set. Tables are in `concierge.db.tables`, their versions in Alembic migrations.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Insert, and_, delete, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from concierge.db import migrate
from concierge.db.tables import correlations, effects, events, threads
from concierge.db.urls import engine_url, sqlite_url

T = TypeVar("T")


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
    return _stamp(datetime.now(UTC))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _ambiguous(exc: BaseException) -> bool:
    """A timeout, or an effect that says so, may have happened on the provider's side after all;
    any other error did not."""
    return isinstance(exc, (TimeoutError, OutcomeUnknown)) or type(exc).__name__ in {"TimeoutException", "ReadTimeout", "WriteTimeout", "APITimeoutError"}


def open_engine(target: Path | str, *, pooler: str = "none", pool_size: int = 10) -> AsyncEngine:
    """An async engine for a SQLite file (a path) or a database URL."""
    url = engine_url(sqlite_url(target) if isinstance(target, Path) else target)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    # A transaction pooler (PgBouncer) cannot keep prepared statements between transactions.
    connect_args = {"prepare_threshold": None} if pooler == "transaction" else {}
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args)


class AppStore:
    def __init__(self, target: Path | str, *, auto_migrate: bool = True, pooler: str = "none", pool_size: int = 10) -> None:
        self.target = target
        self.auto_migrate = auto_migrate
        self._pooler, self._pool_size = pooler, pool_size
        self._engine: AsyncEngine | None = None

    async def open(self) -> None:
        if isinstance(self.target, Path):
            await asyncio.to_thread(self.target.parent.mkdir, parents=True, exist_ok=True)
        engine = open_engine(self.target, pooler=self._pooler, pool_size=self._pool_size)
        try:
            if self.auto_migrate:
                await migrate.upgrade(engine)
            else:
                await migrate.require_current(engine)
        except BaseException:
            await engine.dispose()
            raise
        self._engine = engine

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("store is not open")
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _insert(self, table) -> Insert:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    async def _insert_new(self, table, **values: Any) -> bool:
        """Insert unless the primary key exists; True when inserted. (RETURNING: the insert's
        rowcount is not reported by every driver.)"""
        statement = self._insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
        async with self.engine.begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def _write(self, statement) -> int:
        async with self.engine.begin() as conn:
            return (await conn.execute(statement)).rowcount

    async def _rows(self, statement) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(statement)]

    # --- threads --------------------------------------------------------------------------------
    async def register_thread(self, thread_id: str, helpdesk: str, ticket_id: str) -> bool:
        now = _now()
        return await self._insert_new(threads, thread_id=thread_id, helpdesk=helpdesk, ticket_id=ticket_id,
                                      created_at=now, updated_at=now)

    async def thread_ids(self) -> list[str]:
        rows = await self._rows(select(threads.c.thread_id).order_by(threads.c.created_at, threads.c.thread_id))
        return [r["thread_id"] for r in rows]

    async def has_thread(self, thread_id: str) -> bool:
        return bool(await self._rows(select(threads.c.thread_id).where(threads.c.thread_id == thread_id)))

    async def set_thread_status(self, thread_id: str, status: str, *, stage: str | None = None, waiting_for: str | None = None,
                                outcome: str | None = None, customer_email: str | None = None) -> None:
        """Mirror where the thread stands (running | waiting | done) after each run."""
        values: dict[str, Any] = {"status": status, "updated_at": _now()}
        if status != "running":
            values |= {"stage": stage, "waiting_for": waiting_for, "outcome": outcome}
        if customer_email:
            values["customer_email"] = customer_email.lower()
        await self._write(update(threads).where(threads.c.thread_id == thread_id).values(**values))

    async def threads_by_status(self, *statuses: str, updated_before: datetime | None = None) -> list[dict[str, Any]]:
        query = select(threads).where(threads.c.status.in_(statuses))
        if updated_before is not None:
            query = query.where(threads.c.updated_at < _stamp(updated_before))
        return await self._rows(query.order_by(threads.c.updated_at, threads.c.thread_id))

    async def open_threads_of(self, customer_email: str) -> list[str]:
        """The threads of this customer that are not done, oldest first."""
        rows = await self._rows(select(threads.c.thread_id).where(
            threads.c.customer_email == customer_email.lower(), threads.c.status != "done",
        ).order_by(threads.c.created_at))
        return [r["thread_id"] for r in rows]

    async def thread_counts(self) -> dict[tuple[str, str | None, str | None], int]:
        """Threads by (status, stage, outcome), for metrics."""
        rows = await self._rows(select(threads.c.status, threads.c.stage, threads.c.outcome, func.count().label("n"))
                                .group_by(threads.c.status, threads.c.stage, threads.c.outcome))
        return {(r["status"], r["stage"], r["outcome"]): r["n"] for r in rows}

    async def forget_thread(self, thread_id: str) -> None:
        """Delete every record of a thread (its checkpoints are the checkpointer's)."""
        async with self.engine.begin() as conn:
            for table in (events, effects, correlations, threads):
                await conn.execute(delete(table).where(table.c.thread_id == thread_id))

    # --- inbox: every webhook event (and timer) is kept until it is processed --------------------
    async def record_event(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any],
                           *, not_before: datetime | None = None) -> bool:
        """False when this provider event was already received (a re-delivery)."""
        return await self._insert_new(
            events, source=source, event_id=event_id, kind=kind, thread_id=thread_id, payload=json.dumps(payload),
            received_at=_now(), not_before=_stamp(not_before) if not_before else None,
        )

    async def schedule(self, thread_id: str, kind: str, payload: dict[str, Any], *, at: datetime, key: str) -> bool:
        """A durable timer: at `at` the thread's current wait is resumed with `{"type": kind, **payload}`.
        Deduplicated by `key`; False when that timer already exists."""
        return await self.record_event("timer", key, kind, thread_id, {"type": kind, **payload}, not_before=at)

    def _the_event(self, source: str, event_id: str):
        return and_(events.c.source == source, events.c.event_id == event_id)

    async def finish_event(self, source: str, event_id: str, *, error: str | None = None, status: str | None = None) -> None:
        await self._write(update(events).where(self._the_event(source, event_id)).values(
            status=status or ("failed" if error else "done"), error=error, processed_at=_now(),
        ))

    async def retry_event_later(self, source: str, event_id: str, *, at: datetime, error: str) -> None:
        """Keep the event pending, due again at `at` (a transient failure, e.g. the LLM is unreachable)."""
        await self._write(update(events).where(self._the_event(source, event_id)).values(
            attempts=events.c.attempts + 1, error=error, not_before=_stamp(at),
        ))

    async def requeue_event(self, source: str, event_id: str) -> bool:
        """Make a failed event pending again (an operator's retry); False when there is no failed event."""
        return await self._write(update(events).where(self._the_event(source, event_id), events.c.status == "failed").values(
            status="pending", not_before=None, processed_at=None,
        )) == 1

    _EVENT_COLUMNS = (events.c.source, events.c.event_id, events.c.kind, events.c.thread_id, events.c.payload, events.c.status,
                      events.c.error, events.c.attempts, events.c.received_at, events.c.not_before)

    async def _events(self, *where, order=(events.c.received_at,), limit: int | None = None) -> list[dict[str, Any]]:
        query = select(*self._EVENT_COLUMNS).where(*where).order_by(*order).limit(limit)
        return [{**row, "payload": json.loads(row["payload"])} for row in await self._rows(query)]

    async def event(self, source: str, event_id: str) -> dict[str, Any] | None:
        found = await self._events(self._the_event(source, event_id))
        return found[0] if found else None

    async def pending_events(self, *, due_by: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Events not yet processed, oldest first; with `due_by`, only those due by then."""
        where = [events.c.status == "pending"]
        if due_by is not None:
            where.append(or_(events.c.not_before.is_(None), events.c.not_before <= _stamp(due_by)))
        return await self._events(*where, order=(func.coalesce(events.c.not_before, events.c.received_at), events.c.received_at),
                                  limit=limit)

    async def failed_events(self) -> list[dict[str, Any]]:
        return await self._events(events.c.status == "failed")

    async def events(self, thread_id: str) -> list[dict[str, Any]]:
        return await self._rows(
            select(events.c.source, events.c.event_id, events.c.kind, events.c.status, events.c.error,
                   events.c.received_at, events.c.not_before)
            .where(events.c.thread_id == thread_id).order_by(events.c.received_at)
        )

    # --- effects ledger: intent first, then the effect, then its result ---------------------------
    async def _effect_row(self, key: str) -> dict[str, Any] | None:
        rows = await self._rows(select(effects.c.status, effects.c.intent, effects.c.result).where(effects.c.key == key))
        return rows[0] if rows else None

    async def effect_result(self, key: str) -> Any | None:
        row = await self._effect_row(key)
        return None if row is None or row["status"] != "done" else json.loads(row["result"])

    async def _set_effect(self, key: str, status: str, *, result: Any = None, error: str | None = None) -> None:
        await self._write(update(effects).where(effects.c.key == key).values(
            status=status, result=json.dumps(result), error=error, updated_at=_now(),
        ))

    async def once(self, key: str, thread_id: str, effect: Callable[[dict[str, Any]], Awaitable[T]], *,
                   intent: dict[str, Any] | None = None, retry_safe: bool = False) -> tuple[T, bool]:
        """Run `effect(intent)` unless `key` is done; returns (result, ran_now).

        The intent (e.g. the Message-ID an email will carry) is recorded before the effect runs, so
        a repeated attempt reuses it. An attempt that started but never finished (a crash, a
        timeout) is repeated only when `retry_safe` (the provider deduplicates by key, or the
        effect is idempotent); otherwise `EffectInDoubt` asks a person instead of guessing. Jobs
        for one thread never run concurrently (in any process), so check-then-record cannot race
        within a thread.
        """
        row = await self._effect_row(key)
        if row is not None and row["status"] == "done":
            return json.loads(row["result"]), False
        if row is None:
            intent = intent or {}
            now = _now()
            await self._write(effects.insert().values(
                key=key, thread_id=thread_id, status="pending", intent=json.dumps(intent), result="null",
                created_at=now, updated_at=now,
            ))
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
        return await self._write(update(effects).where(effects.c.thread_id == thread_id, effects.c.status == "pending").values(
            status="failed", error="released by an operator", updated_at=_now(),
        ))

    async def effects(self, thread_id: str | None = None) -> list[dict[str, Any]]:
        query = select(effects.c.key, effects.c.thread_id, effects.c.status, effects.c.result, effects.c.created_at)
        if thread_id:
            query = query.where(effects.c.thread_id == thread_id)
        return [{**r, "result": json.loads(r["result"])} for r in await self._rows(query.order_by(effects.c.created_at, effects.c.key))]

    # --- correlations: message ids and call ids back to their thread ----------------------------
    async def link(self, key: str, thread_id: str) -> None:
        insert = self._insert(correlations).values(key=key, thread_id=thread_id)
        await self._write(insert.on_conflict_do_update(index_elements=[correlations.c.key], set_={"thread_id": thread_id}))

    async def thread_for(self, *keys: str) -> str | None:
        if not keys:
            return None
        found = {r["key"]: r["thread_id"] for r in await self._rows(select(correlations).where(correlations.c.key.in_(keys)))}
        return next((found[k] for k in keys if k in found), None)

    # --- claims: call lines and other shared resources, taken across processes ----------------
    # Claims on shared resources (call lines, a waiting list) kept as correlations whose key is
    # unique: an insert that takes a key is atomic across processes sharing the store.
    async def claim(self, key: str, thread_id: str) -> bool:
        """Take `key` for the thread; False when any thread already holds it."""
        return await self._insert_new(correlations, key=key, thread_id=thread_id)

    async def claims(self, prefix: str) -> list[tuple[str, str]]:
        """Every (key, thread_id) whose key starts with `prefix`, in key order."""
        rows = await self._rows(select(correlations).where(correlations.c.key.startswith(prefix, autoescape=True))
                                .order_by(correlations.c.key))
        return [(r["key"], r["thread_id"]) for r in rows]

    async def release(self, prefix: str, thread_id: str) -> int:
        """Drop the thread's claims whose key starts with `prefix`."""
        return await self._write(delete(correlations).where(correlations.c.key.startswith(prefix, autoescape=True),
                                                            correlations.c.thread_id == thread_id))
