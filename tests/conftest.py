"""Shared fixtures: isolated settings and data folder per test, one embeddings model per session."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from concierge.runtime.process import open_runtime
from concierge.settings import Settings
from concierge.tools.knowledge import KnowledgeBase, build_embeddings

# Settings that ignore the developer's environment and .env: every test runs on embedded defaults.
OFFLINE = {"DATABASE_URL": None, "GROQ_API_KEY": None, "LLM_BASE_URL": None, "ADMIN_TOKEN": None, "QDRANT_URL": None,
           "EMBEDDING_MODEL": None, "RERANKER_MODEL": None,
           # The fake providers listen on http://127.0.0.1: the outbound-URL policy lets tests reach them.
           "ALLOW_PRIVATE_URLS": True,
           # Calls may go out at any hour unless a test sets the window (tests run at any time of day).
           "CALL_WINDOW": "00:00-24:00", "CALL_ON_SUNDAYS": True}


def make_settings(data_dir, **overrides) -> Settings:
    return Settings(_env_file=None, **{**OFFLINE, "CONCIERGE_DATA_DIR": data_dir, "ALERTS_CONSOLE": False, **overrides})


def pytest_generate_tests(metafunc):
    """A module that sets `RUNTIME_ENGINES` runs each of its runtime tests on every engine named."""
    engines = getattr(metafunc.module, "RUNTIME_ENGINES", None)
    if engines and "runtime" in metafunc.fixturenames:
        metafunc.parametrize("runtime", engines, indirect=True)


@pytest.fixture(scope="session")
def embeddings():
    return build_embeddings(make_settings("unused"))


@pytest.fixture(scope="session")
def kb(tmp_path_factory, embeddings):
    """The demo inventory in Qdrant local mode, ingested once for the session."""
    base = tmp_path_factory.mktemp("kb")
    knowledge = KnowledgeBase(make_settings(base), embeddings=embeddings)
    knowledge.ensure_ingested()
    yield knowledge
    knowledge.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
async def runtime(request, settings, kb):
    """The embedded runtime, or (param "postgres") one on a fresh PostgreSQL database with the
    procrastinate queue."""
    if getattr(request, "param", "sqlite") == "postgres":
        settings = make_settings(settings.data_dir, DATABASE_URL=request.getfixturevalue("pg_url"), AUTO_MIGRATE=False)
    async with open_runtime(settings, kb=kb, workers=2) as rt:
        yield rt


@pytest.fixture(scope="session")
def pg_template():
    """The migrated schema every PostgreSQL test database is copied from."""
    from tests import postgres

    postgres.require_server()
    name = postgres.create_template()
    yield name
    postgres.drop_database(name)


@pytest.fixture
def pg_url(pg_template):
    """A fresh, migrated PostgreSQL database for one test."""
    from tests import postgres

    name = postgres.create_database(pg_template)
    yield postgres.database_url(name)
    postgres.drop_database(name)


@pytest.fixture
async def pg_store(pg_url):
    """The app's store, open on a fresh PostgreSQL database."""
    from concierge.db.store import AppStore

    store = AppStore(pg_url, auto_migrate=False)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def pg_settings(tmp_path, pg_url) -> Settings:
    return make_settings(tmp_path / "data", DATABASE_URL=pg_url, AUTO_MIGRATE=False)


@pytest.fixture
async def client(runtime):
    from tests.server import asgi_client

    async with asgi_client(runtime) as c:
        yield c
