"""The LangGraph checkpointer for the configured database: `AsyncSqliteSaver` on a local file, or
`AsyncPostgresSaver` over a psycopg connection pool on PostgreSQL, whose writes are fenced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from concierge.db.urls import libpq_url


def _serde() -> JsonPlusSerializer:
    # The state is plain JSON: checkpoints may only deserialize safe types, never arbitrary classes.
    return JsonPlusSerializer(allowed_msgpack_modules=None)


@asynccontextmanager
async def open_checkpointer(*, sqlite_path: Path | None = None, database_url: str | None = None, pooler: str = "none",
                            pool_size: int = 10, setup: bool = False) -> AsyncIterator[BaseCheckpointSaver]:
    """`setup` creates or migrates the checkpoint tables (`concierge db upgrade`, or AUTO_MIGRATE)."""
    if database_url is None:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        assert sqlite_path is not None  # without a database URL the caller names the SQLite file
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(sqlite_path) as conn:
            # WAL: a checkpoint write appends instead of rewriting pages with a journal, and readers
            # do not block it. synchronous=NORMAL syncs at checkpoints of the log, not every commit:
            # a killed process loses nothing; only a power cut may lose the last commits.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            yield AsyncSqliteSaver(conn, serde=_serde())
        return

    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    from concierge.db.fenced_saver import FencedPostgresSaver

    kwargs = {"autocommit": True, "row_factory": dict_row,
              # A transaction pooler (PgBouncer) cannot keep prepared statements between transactions.
              "prepare_threshold": None if pooler == "transaction" else 0}
    pool = AsyncConnectionPool(libpq_url(database_url), min_size=1, max_size=pool_size, kwargs=kwargs, open=False,
                               check=AsyncConnectionPool.check_connection)  # a connection is checked on borrow
    await pool.open(wait=True, timeout=30)
    try:
        # The pool's connections return dict rows (row_factory in kwargs), which psycopg_pool's types do not follow.
        saver = FencedPostgresSaver(pool, serde=_serde())  # type: ignore[arg-type]
        if setup:
            await saver.setup()
        yield saver
    finally:
        await pool.close()
