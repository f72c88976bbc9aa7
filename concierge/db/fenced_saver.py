"""LangGraph's PostgreSQL checkpointer with fenced writes (`concierge.db.fencing`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.postgres import _ainternal
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncCursor
from psycopg.rows import DictRow, dict_row

from concierge.db.fencing import check_cursor, current_fence


class FencedPostgresSaver(AsyncPostgresSaver):
    """Checkpoint writes (the saver's `pipeline=True` cursors: put, put_writes, delete_thread) run
    in one transaction that first checks the running job's fence, so a superseded attempt cannot
    overwrite a thread that another worker carries on. Reads, and writes outside a fenced job,
    are the parent's."""

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[AsyncCursor[DictRow]]:
        if not pipeline or self.pipe is not None or current_fence() is None:
            async with super()._cursor(pipeline=pipeline) as cur:
                yield cur
            return
        async with self.lock, _ainternal.get_connection(self.conn) as conn, conn.transaction(), \
                conn.cursor(binary=True, row_factory=dict_row) as cur:
            await check_cursor(cur)
            yield cur
