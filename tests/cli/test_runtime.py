"""`concierge db`, `events`, `worker` and `threads prune` on the real PostgreSQL server (and SQLite
where the command differs)."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from concierge.cli.main import app
from concierge.db.migrate import SchemaOutOfDate, head
from concierge.db.store import AppStore
from concierge.runtime.process import open_runtime
from concierge.server.app import create_app
from concierge.server.verify import concierge_signature
from concierge.settings import get_settings
from concierge.tools.signing import SignedWebhooks
from tests import postgres
from tests.conftest import OFFLINE, make_settings


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """Point the command at a data folder (and, when given, a database) the way a user's shell would."""

    def point(data_dir, database_url: str | None = None) -> None:
        for name in OFFLINE:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CONCIERGE_DATA_DIR", str(data_dir))
        if database_url:
            monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.chdir(tmp_path)  # no developer .env
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()


@pytest.fixture
def empty_database(pg_template):
    name = f"concierge_empty_{pg_template[-6:]}"
    postgres.drop_database(name)
    postgres.admin(f'CREATE DATABASE "{name}"')
    yield postgres.database_url(name)
    postgres.drop_database(name)


def test_db_upgrade_creates_every_table_once(empty_database, environment, tmp_path):
    environment(tmp_path / "data", empty_database)
    first = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"empty → {head()}" in first.output
    again = run("db", "upgrade")
    assert again.exit_code == 0 and f"already at {head()}" in again.output
    assert f"database: {head()}; needed: {head()}" in run("db", "current").output
    with psycopg.connect(empty_database) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"threads", "events", "effects", "correlations", "procrastinate_jobs", "checkpoints", "alembic_version"} <= tables


async def test_a_database_behind_this_version_refuses_to_open(empty_database):
    store = AppStore(empty_database, auto_migrate=False)
    with pytest.raises(SchemaOutOfDate, match="concierge db upgrade"):
        await store.open()


def test_db_upgrade_on_the_embedded_sqlite_file(environment, tmp_path):
    environment(tmp_path / "data")
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "concierge.sqlite").exists() and head() in result.output


def test_worker_needs_postgresql(environment, tmp_path):
    environment(tmp_path / "data")
    result = run("worker")
    assert result.exit_code == 2 and "DATABASE_URL" in result.output


@pytest.fixture
def pg_data(tmp_path, kb, pg_url, environment):
    """A PostgreSQL deployment where 1003 waits for a human and 1002 is resolved."""
    settings = make_settings(tmp_path / "data", DATABASE_URL=pg_url, AUTO_MIGRATE=False)

    async def prepare() -> None:
        async with open_runtime(settings, kb=kb, workers=2) as runtime:
            transport = httpx.ASGITransport(app=create_app(runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://t", auth=SignedWebhooks(concierge_signature(settings))) as client:
                for ticket_id in ("1002", "1003"):
                    (await client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": ticket_id})).raise_for_status()
                await runtime.queue.join()

    asyncio.run(prepare())
    environment(settings.data_dir, pg_url)
    return pg_url


def _store_call(url, work):
    async def go():
        store = AppStore(url, auto_migrate=False)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(go())


def test_failed_events_are_listed_and_queued_again(pg_data):
    async def fail(store):
        await store.record_event("vapi", "call-9", "call_report", "local:1003", {"type": "call_report"})
        await store.finish_event("vapi", "call-9", error="ValueError: the report could not be read")

    _store_call(pg_data, fail)
    listed = run("events", "list", "--failed")
    assert listed.exit_code == 0 and "vapi:call-9" in listed.output and "could not be read" in listed.output
    assert "1 failed event" in listed.output

    retried = run("events", "retry", "vapi:call-9")
    assert retried.exit_code == 0, retried.output
    assert _store_call(pg_data, lambda s: s.event("vapi", "call-9"))["status"] == "pending"
    assert run("events", "retry", "vapi:call-9").exit_code == 1  # no longer failed
    assert run("events", "retry", "no-colon").exit_code == 2


def test_prune_deletes_finished_threads_only(pg_data):
    dry = run("threads", "prune", "--older-than", "0m", "--dry-run")
    assert dry.exit_code == 0 and "would delete 1 thread(s)" in dry.output and "local:1002" in dry.output
    assert run("show", "local:1002").exit_code == 0  # a dry run deletes nothing

    pruned = run("threads", "prune", "--older-than", "0m")
    assert pruned.exit_code == 0 and "deleted 1 thread(s)" in pruned.output
    assert run("show", "local:1002").exit_code == 1  # its checkpoints are gone: 404
    assert run("show", "local:1003").exit_code == 0  # waiting for a human: kept
    with psycopg.connect(pg_data) as conn:
        left = {table: conn.execute(f"SELECT count(*) FROM {table} WHERE thread_id = 'local:1002'").fetchone()[0]
                for table in ("threads", "events", "effects", "correlations", "checkpoints")}
    assert left == dict.fromkeys(left, 0)

    assert "deleted 0 thread(s)" in run("threads", "prune", "--older-than", "90d").output
    assert run("threads", "prune", "--older-than", "soon").exit_code == 2


def test_serve_and_worker_refuse_a_database_behind_this_version(empty_database, environment, tmp_path):
    environment(tmp_path / "data", empty_database)
    for command in (["worker"], ["serve", "--port", "1"]):
        result = CliRunner().invoke(app, command, env={"COLUMNS": "200", "AUTO_MIGRATE": "false"})
        assert result.exit_code == 2, result.output
        assert "concierge db upgrade" in result.output and "Traceback" not in result.output
