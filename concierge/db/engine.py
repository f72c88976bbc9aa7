"""The database engine Concierge's own tables live on: a SQLite file by default, PostgreSQL when
`DATABASE_URL` is set, one code path (SQLAlchemy Core) for both, migrated with Alembic at open
(or checked to be current), and the statement helpers every part of the store uses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from concierge.db import migrate
from concierge.db.fencing import check_connection
from concierge.db.urls import engine_url, sqlite_url


def now_stamp() -> str:
    return stamp(datetime.now(UTC))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def open_engine(target: Path | str, *, pooler: str = "none", pool_size: int = 10) -> AsyncEngine:
    """An async engine for a SQLite file (a path) or a database URL."""
    url = engine_url(sqlite_url(target) if isinstance(target, Path) else target)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            # The timeout first: even reading the journal mode waits on a writer's lock, and a
            # connection opened while another process writes must wait, not fail.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0].lower() != "wal":  # the mode is the file's: set once, not per connection
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # A transaction pooler (PgBouncer) cannot keep prepared statements between transactions.
    connect_args = {"prepare_threshold": None} if pooler == "transaction" else {}
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args)


class Database:
    """One SQLAlchemy engine (a SQLite file or a database URL), opened and migrated to this version's
    schema, with the statement helpers the store's parts share."""

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

    def _insert(self, table) -> postgresql.Insert | sqlite.Insert:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    async def _insert_new(self, table, **values: Any) -> bool:
        """Insert unless the primary key exists; True when inserted. (RETURNING: the insert's
        rowcount is not reported by every driver.)"""
        statement = self._insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
        async with self.engine.begin() as conn:
            return (await conn.execute(statement)).first() is not None

    async def _write(self, statement, *, fenced: bool = False) -> int:
        """`fenced`: only while the running job's attempt is current (`concierge.db.fencing`)."""
        async with self.engine.begin() as conn:
            if fenced:
                await check_connection(conn)
            return (await conn.execute(statement)).rowcount

    async def check_fence(self) -> None:
        """Raise `Superseded` when the running job's attempt is no longer current (a no-op outside a fenced job)."""
        async with self.engine.begin() as conn:
            await check_connection(conn)

    async def _rows(self, statement) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(statement)]
