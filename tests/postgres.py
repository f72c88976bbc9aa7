"""Fresh PostgreSQL databases for tests, on the machine's real server.

`CONCIERGE_TEST_DATABASE_URL` names a database to connect to for creating others (default: the
local `test` database). A schema migrated once per session is the template each test's database
is copied from. With `CONCIERGE_REQUIRE_POSTGRES=1` (CI) a missing server fails the tests that need
it instead of skipping them.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("CONCIERGE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def database_url(name: str) -> str:
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def require_server() -> None:
    try:
        admin("SELECT 1")
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {make_url(ADMIN_URL).render_as_string()}: {exc}"
        if os.environ.get("CONCIERGE_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)


def create_template() -> str:
    """A database migrated to the newest schema (Concierge's tables, the job queue, checkpoints)."""
    from concierge.db.checkpoints import open_checkpointer
    from concierge.db.store import AppStore

    name = f"concierge_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin(f'CREATE DATABASE "{name}"')
    url = database_url(name)

    async def migrate() -> None:
        store = AppStore(url)
        await store.open()
        await store.close()
        async with open_checkpointer(database_url=url, setup=True, pool_size=1):
            pass

    # In a thread of its own: the caller may already run an event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, migrate()).result()
    return name


def create_database(template: str) -> str:
    name = f"concierge_test_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def drop_database(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
