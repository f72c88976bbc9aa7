"""Concierge's own records, beside the checkpoints: the threads it runs and the webhook events it
received (the inbox, including timers due later); with what it did or set out to do (the effects
ledger, `ledger.py`) and which keys belong to which thread (`claims.py`), all on one database
(`engine.py`). Tables are in `concierge.db.tables`, their versions in Alembic migrations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from concierge.db.claims import Claims
from concierge.db.engine import now_stamp, stamp
from concierge.db.ledger import EffectsLedger
from concierge.db.tables import correlations, effects, events, threads


class AppStore(EffectsLedger, Claims):
    """Threads and the inbox, with the effects ledger and the claims (one engine for all)."""

    # --- threads --------------------------------------------------------------------------------
    async def register_thread(self, thread_id: str, helpdesk: str, ticket_id: str) -> bool:
        now = now_stamp()
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
        values: dict[str, Any] = {"status": status, "updated_at": now_stamp()}
        if status != "running":
            values |= {"stage": stage, "waiting_for": waiting_for, "outcome": outcome}
        if customer_email:
            values["customer_email"] = customer_email.lower()
        await self._write(update(threads).where(threads.c.thread_id == thread_id).values(**values))

    async def threads_by_status(self, *statuses: str, updated_before: datetime | None = None) -> list[dict[str, Any]]:
        query = select(threads).where(threads.c.status.in_(statuses))
        if updated_before is not None:
            query = query.where(threads.c.updated_at < stamp(updated_before))
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
            received_at=now_stamp(), not_before=stamp(not_before) if not_before else None,
        )

    async def schedule(self, thread_id: str, kind: str, payload: dict[str, Any], *, at: datetime, key: str) -> bool:
        """A durable timer: at `at` the thread's current wait is resumed with `{"type": kind, **payload}`.
        Deduplicated by `key`; False when that timer already exists."""
        return await self.record_event("timer", key, kind, thread_id, {"type": kind, **payload}, not_before=at)

    def _the_event(self, source: str, event_id: str):
        return and_(events.c.source == source, events.c.event_id == event_id)

    # An event's outcome is written only by the attempt still running its job (`concierge.db.fencing`):
    # a stalled worker waking up must not mark failed what the worker that took over has done.
    async def finish_event(self, source: str, event_id: str, *, error: str | None = None, status: str | None = None) -> None:
        await self._write(update(events).where(self._the_event(source, event_id)).values(
            status=status or ("failed" if error else "done"), error=error, processed_at=now_stamp(),
        ), fenced=True)

    async def retry_event_later(self, source: str, event_id: str, *, at: datetime, error: str) -> None:
        """Keep the event pending, due again at `at` (a transient failure, e.g. the LLM is unreachable)."""
        await self._write(update(events).where(self._the_event(source, event_id)).values(
            attempts=events.c.attempts + 1, error=error, not_before=stamp(at),
        ), fenced=True)

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
            where.append(or_(events.c.not_before.is_(None), events.c.not_before <= stamp(due_by)))
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
