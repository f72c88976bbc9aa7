"""Schema versions with Alembic, run in process: `concierge db upgrade`, or at start with
`AUTO_MIGRATE` (on by default for the embedded SQLite file).

Alembic reads its scripts from disk and runs synchronously: each operation runs in a worker thread
on a short-lived synchronous engine, so an event loop is never blocked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).parent / "migrations"
# Several processes may start at once against one PostgreSQL: one migrates, the others wait.
_ADVISORY_LOCK = 0x636F6E63  # "conc"


class SchemaOutOfDate(RuntimeError):
    """The database is behind this version of Concierge and migrating at start is off."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    current = ScriptDirectory.from_config(_config()).get_current_head()
    assert current is not None  # the package ships its migrations
    return current


def _sync(url: URL):
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return create_engine(url.set(drivername=driver), poolclass=NullPool)


def _current(url: URL) -> str | None:
    engine = _sync(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _upgrade(url: URL) -> tuple[str | None, str]:
    engine = _sync(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(_config(conn), "head")
        return before, head()
    finally:
        engine.dispose()


async def current(engine: AsyncEngine) -> str | None:
    return await asyncio.to_thread(_current, engine.url)


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str]:
    """Migrate to the newest schema; returns (revision before, revision now)."""
    return await asyncio.to_thread(_upgrade, engine.url)


async def require_current(engine: AsyncEngine) -> None:
    now, newest = await current(engine), await asyncio.to_thread(head)
    if now != newest:
        raise SchemaOutOfDate(
            f"the database schema is at {now or 'nothing'}, this version needs {newest}: "
            "run `concierge db upgrade` (or set AUTO_MIGRATE=true)"
        )
