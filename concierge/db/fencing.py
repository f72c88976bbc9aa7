"""Fencing: a job's attempt writes only while it is still the job's current attempt.

A worker whose event loop stalls past WORKER_STALLED_AFTER_S looks dead to the others, and its
job is retried elsewhere while it may still be running. Each write that matters (a checkpoint, an
effect's intent) therefore runs in a transaction that first takes a share lock on the job's row,
and only if the row still says this attempt runs: `status = 'doing'` and the attempts counter it
was fetched with. A retry (`procrastinate_retry_job` locks the row for update and bumps attempts)
waits for such a write to commit, and every write after it finds the row changed and raises
`Superseded`: the stale attempt stops without touching the thread or its inbox event.

Only jobs of the PostgreSQL queue set a fence; the embedded runtime runs every job in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_CHECK = "SELECT 1 FROM procrastinate_jobs WHERE id = {job_id} AND status = 'doing' AND attempts = {attempts} FOR SHARE"
CHECK_PSYCOPG = _CHECK.format(job_id="%(job_id)s", attempts="%(attempts)s")
CHECK_SQLALCHEMY = text(_CHECK.format(job_id=":job_id", attempts=":attempts"))


class Superseded(RuntimeError):
    """This attempt's job was taken over by another worker (or is gone): it must not write.
    (A RuntimeError: LangGraph's node retry policy does not retry it.)"""


@dataclass(frozen=True)
class Fence:
    job_id: int
    attempts: int

    def refused(self) -> Superseded:
        return Superseded(f"job {self.job_id} attempt {self.attempts} was taken over by another worker")


_current: ContextVar[Fence | None] = ContextVar("concierge_fence", default=None)


def current_fence() -> Fence | None:
    return _current.get()


@contextmanager
def fenced(job_id: int, attempts: int) -> Iterator[Fence]:
    """Run the block as this attempt of the job: its fenced writes check it first."""
    fence = Fence(job_id, attempts)
    token = _current.set(fence)
    try:
        yield fence
    finally:
        _current.reset(token)


async def check_cursor(cursor) -> None:
    """Inside a psycopg transaction: lock the job's row for this attempt or raise Superseded."""
    fence = current_fence()
    if fence is None:
        return
    await cursor.execute(CHECK_PSYCOPG, {"job_id": fence.job_id, "attempts": fence.attempts})
    if await cursor.fetchone() is None:
        raise fence.refused()


async def check_connection(conn: AsyncConnection) -> None:
    """The same check inside a SQLAlchemy transaction (the store's writes)."""
    fence = current_fence()
    if fence is None or conn.dialect.name != "postgresql":
        return
    if (await conn.execute(CHECK_SQLALCHEMY, {"job_id": fence.job_id, "attempts": fence.attempts})).first() is None:
        raise fence.refused()
