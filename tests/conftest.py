"""Shared fixtures: isolated settings and data folder per test, one embeddings model per session."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from concierge.server.runtime import open_runtime
from concierge.settings import Settings
from concierge.tools.knowledge import KnowledgeBase, build_embeddings

# Settings that ignore the developer's environment and .env: every test runs on embedded defaults.
OFFLINE = {"GROQ_API_KEY": None, "LLM_BASE_URL": None, "ADMIN_TOKEN": None, "QDRANT_URL": None,
           "EMBEDDING_MODEL": None, "RERANKER_MODEL": None,
           # Calls may go out at any hour unless a test sets the window (tests run at any time of day).
           "CALL_WINDOW": "00:00-24:00", "CALL_ON_SUNDAYS": True}


def make_settings(data_dir, **overrides) -> Settings:
    return Settings(_env_file=None, **{**OFFLINE, "CONCIERGE_DATA_DIR": data_dir, "ALERTS_CONSOLE": False, **overrides})


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
async def runtime(settings, kb):
    async with open_runtime(settings, kb=kb, workers=2) as rt:
        yield rt


@pytest.fixture
async def client(runtime):
    from tests.server import asgi_client

    async with asgi_client(runtime) as c:
        yield c
