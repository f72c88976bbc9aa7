"""An empty knowledge base is filled by a child process while the server already answers;
searches wait for it instead of seeing a half-filled collection."""

from __future__ import annotations

import asyncio

import pytest

from concierge.tools.knowledge import KnowledgeBase
from concierge.tools.knowledge.warmup import ingest_in_background
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


async def test_an_empty_knowledge_base_is_filled_by_a_child_process(tmp_path):
    kb = KnowledgeBase(make_settings(tmp_path / "data"))
    try:
        task = asyncio.create_task(ingest_in_background(kb, kb.hold()))
        await asyncio.sleep(0.1)
        assert kb.held  # /readyz reports the knowledge base as not ready meanwhile
        count = await asyncio.to_thread(kb.count)  # waits until the child is done
        await task
        assert not kb.held and count > 30
        assert kb._embeddings is None  # this process embedded nothing: the model stayed out of it
        destinations = await kb.adestinations()
        assert "Lisbon" in destinations

    finally:
        kb.close()

    restarted = KnowledgeBase(make_settings(tmp_path / "data"))  # the next start: the collection is there
    try:
        await ingest_in_background(restarted, restarted.hold())
        assert not restarted.held and await asyncio.to_thread(restarted.count) == count
    finally:
        restarted.close()
