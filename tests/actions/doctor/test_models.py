"""The LLM check against the Groq fake (Groq and any OpenAI-compatible server: the key, and the model
listed by `GET /models`) and the knowledge-base check against the Qdrant fake (the collection, and
its vectors as long as the embedding model's)."""

from __future__ import annotations

import pytest

from concierge.actions.doctor import check_knowledge, check_llm
from tests.conftest import make_settings
from tests.fakes.groq import FakeGroq, serve_fake_groq
from tests.fakes.loopback import running
from tests.fakes.qdrant import API_KEY, FakeQdrant, collection_info


async def one(check, settings):
    [result] = await check(settings)
    return result


async def test_groq_accepts_the_key_and_serves_the_model(tmp_path):
    with serve_fake_groq(FakeGroq()) as fake:
        base = {"GROQ_BASE_URL": fake.url}
        good = await one(check_llm, make_settings(tmp_path, **base, GROQ_API_KEY="gsk_test"))
        assert good.ok and "llama-3.3-70b-versatile is served" in good.detail

        bad = await one(check_llm, make_settings(tmp_path, **base, GROQ_API_KEY="gsk_wrong"))
        assert not bad.ok and bad.detail == "GROQ_API_KEY: answered 401 Unauthorized" and "GROQ_API_KEY" in bad.fix

        unknown = await one(check_llm, make_settings(tmp_path, **base, GROQ_API_KEY="gsk_test", GROQ_MODEL="llama-9-1t"))
        assert not unknown.ok and "GROQ_MODEL=llama-9-1t is not among the 2 model(s)" in unknown.detail
    assert fake.requests == []  # no completion was asked for


async def test_an_openai_compatible_server_lists_the_model(tmp_path):
    with serve_fake_groq(FakeGroq(api_key=None, models=["local-model"])) as fake:
        good = await one(check_llm, make_settings(tmp_path, LLM_BASE_URL=fake.url + "/v1", LLM_MODEL="local-model"))
        wrong_base = await one(check_llm, make_settings(tmp_path, LLM_BASE_URL=fake.url, LLM_MODEL="local-model"))
    assert good.ok and good.detail == "key accepted; local-model is served"
    assert not wrong_base.ok and "404 Not Found" in wrong_base.detail and "/v1" in wrong_base.fix


@pytest.fixture
def qdrant():
    with running(FakeQdrant()) as fake:
        yield fake


async def test_the_collection_is_found_with_the_embedding_models_vector_size(tmp_path, qdrant, embeddings):
    base = {"QDRANT_URL": qdrant.url, "QDRANT_COLLECTION": "inventory"}
    qdrant.collections["inventory"] = collection_info(size=384, points=42)  # all-MiniLM-L6-v2 makes 384
    good = await one(check_knowledge, make_settings(tmp_path, **base, QDRANT_API_KEY=API_KEY))
    assert good.ok and "42 point(s), 384-long vectors" in good.detail

    bad_key = await one(check_knowledge, make_settings(tmp_path, **base, QDRANT_API_KEY="wrong"))
    assert not bad_key.ok and bad_key.detail == "QDRANT_API_KEY: answered 401 Unauthorized"

    qdrant.collections["inventory"] = collection_info(size=768)
    mismatch = await one(check_knowledge, make_settings(tmp_path, **base, QDRANT_API_KEY=API_KEY))
    assert not mismatch.ok and "768-long vectors; all-MiniLM-L6-v2 makes 384" in mismatch.detail and "re-ingest" in mismatch.fix

    missing = await one(check_knowledge, make_settings(tmp_path, **{**base, "QDRANT_COLLECTION": "rooms"}, QDRANT_API_KEY=API_KEY))
    assert not missing.ok and "collection 'rooms' not found" in missing.detail and "kb ingest" in missing.fix


async def test_the_embedded_defaults_are_ok_offline(tmp_path):
    llm, kb = await one(check_llm, make_settings(tmp_path)), await one(check_knowledge, make_settings(tmp_path))
    assert llm.ok and llm.offline and kb.ok and kb.offline
