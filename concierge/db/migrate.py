"""Schema versions with Alembic, run in process: `concierge db upgrade`, or at start with
`AUTO_MIGRATE` (on by default for the embedded SQLite file)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

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
    return ScriptDirectory.from_config(_config()).get_current_head()


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str]:
    """Migrate to the newest schema; returns (revision before, revision now)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        before = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
        await conn.run_sync(lambda c: command.upgrade(_config(c), "head"))
    return before, head()


async def require_current(engine: AsyncEngine) -> None:
    now, newest = await current(engine), head()
    if now != newest:
        raise SchemaOutOfDate(
            f"the database schema is at {now or 'nothing'}, this version needs {newest}: "
            "run `concierge db upgrade` (or set AUTO_MIGRATE=true)"
        )
