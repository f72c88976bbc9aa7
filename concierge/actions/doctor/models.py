"""The LLM (the key accepted and the model among those it may use: `GET /models` of the
OpenAI-compatible API) and the knowledge base (the Qdrant collection exists, its vectors as long as
the embedding model's)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx

from concierge.actions.doctor.base import Check, answer, offline, refused, unreachable
from concierge.actions.doctor.base import client as guarded
from concierge.settings import Settings
from concierge.tools.outbound import UnsafeURL

GROQ_API = "https://api.groq.com"


async def check_llm(settings: Settings) -> list[Check]:
    engine = settings.llm_engine
    if engine == "offline":
        return [offline("llm (offline)", "offline: the embedded engine (rules and templates), no key needed")]
    if engine == "groq":
        # The groq SDK adds /openai/v1 to its base URL; /models is the OpenAI-compatible listing.
        base, destination = (settings.groq_base_url or GROQ_API).rstrip("/") + "/openai/v1", "GROQ_BASE_URL"
        key, model, key_name, model_name = settings.groq_api_key, settings.groq_model, "GROQ_API_KEY", "GROQ_MODEL"
    else:
        assert settings.llm_base_url  # the openai-compatible engine is the one with LLM_BASE_URL
        base, destination = settings.llm_base_url.rstrip("/"), "LLM_BASE_URL"
        key, model, key_name, model_name = settings.llm_api_key, settings.llm_model, "LLM_API_KEY", "LLM_MODEL"
    part = f"llm ({engine})"
    if (bad := await refused(part, settings, destination)) is not None:
        return [bad]
    headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
    try:
        async with guarded(settings, destination, base_url=base, headers=headers) as http:
            r = await http.get("/models")
            listed = [m.get("id") for m in (r.json().get("data") or []) if isinstance(m, dict)] if r.status_code == 200 else []
    except UnsafeURL as exc:
        return [Check(part, False, f"{destination} refused: {exc}", "use the server's own URL")]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return [unreachable(part, destination, exc)]
    if r.status_code in (401, 403):
        return [Check(part, False, f"{key_name}: {answer(r)}", f"create a new key and set {key_name}")]
    if r.status_code != 200:
        return [Check(part, False, f"GET /models {answer(r)}",
                      f"{destination} must be the OpenAI-compatible API's base (it ends in /v1 for vLLM and Ollama)")]
    if model not in listed:
        return [Check(part, False, f"{model_name}={model} is not among the {len(listed)} model(s) the key may use",
                      f"set {model_name} to one the server lists (GET {destination}/models)")]
    return [Check(part, True, f"key accepted; {model} is served")]


def embedding_dimension(settings: Settings) -> int:
    """The length of the embedding model's vectors (the model is loaded, as the server does at start)."""
    if settings.embedding_model:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(settings.embedding_model, device="cpu")
    else:
        from concierge.tools import minilm

        model = minilm.model()
    size = getattr(model, "get_embedding_dimension", model.get_sentence_embedding_dimension)()
    if size is None:
        raise TypeError(f"the embedding model {settings.embedding_model or 'MiniLM'} does not report its vector length")
    return int(size)


async def check_knowledge(settings: Settings) -> list[Check]:
    if not settings.qdrant_url:
        where = settings.qdrant_local_path / settings.qdrant_collection
        return [offline("knowledge base (embedded)", f"offline: Qdrant Edge at {where}")]
    from qdrant_client.http import models

    part = "knowledge base (qdrant)"
    if (bad := await refused(part, settings, "QDRANT_URL")) is not None:
        return [bad]
    headers = {"api-key": settings.qdrant_api_key.get_secret_value()} if settings.qdrant_api_key else {}
    name = settings.qdrant_collection
    try:
        async with guarded(settings, "QDRANT_URL", base_url=settings.qdrant_url.rstrip("/"), headers=headers) as http:
            r = await http.get(f"/collections/{quote(name, safe='')}")
        info = models.CollectionInfo.model_validate(r.json()["result"]) if r.status_code == 200 else None
    except UnsafeURL as exc:
        return [Check(part, False, f"QDRANT_URL refused: {exc}", "point it at the Qdrant server itself")]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return [unreachable(part, "QDRANT_URL", exc)]
    if r.status_code in (401, 403):
        return [Check(part, False, f"QDRANT_API_KEY: {answer(r)}", "set QDRANT_API_KEY to the server's API key")]
    if r.status_code == 404:
        return [Check(part, False, f"collection {name!r} not found", "run `concierge kb ingest` to create it, or set QDRANT_COLLECTION")]
    if info is None:
        return [Check(part, False, f"GET /collections/{name} {answer(r)}", "check QDRANT_URL")]
    vectors = info.config.params.vectors
    size = vectors.size if isinstance(vectors, models.VectorParams) else None
    if size is None:
        return [Check(part, False, f"collection {name!r} has named vectors", "use a collection with one unnamed vector, as `concierge kb ingest` makes")]
    wanted = await asyncio.to_thread(embedding_dimension, settings)
    if size != wanted:
        model = settings.embedding_model or "all-MiniLM-L6-v2"
        return [Check(part, False, f"collection {name!r} holds {size}-long vectors; {model} makes {wanted}",
                      "re-ingest into a new QDRANT_COLLECTION with this EMBEDDING_MODEL, or set the model the collection was made with")]
    return [Check(part, True, f"collection {name!r}: {info.points_count or 0} point(s), {size}-long vectors as {settings.embedding_model or 'all-MiniLM-L6-v2'} makes")]
