"""Rerankers: the offline hybrid (BM25 blended with the vector score) or a sentence-transformers cross-encoder."""

from __future__ import annotations

import re
from typing import Protocol

from langchain_core.documents import Document
from rank_bm25 import BM25Okapi

from concierge.settings import Settings

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    # Folding plurals lets "dog" match "dogs" without a stemmer dependency.
    return [t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t for t in _TOKEN.findall(text.lower())]


class Reranker(Protocol):
    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]: ...


class HybridReranker:
    """Offline reranker: BM25 over the candidates (scaled by the best one) blended with their cosine score."""

    def __init__(self, bm25_weight: float = 0.3) -> None:
        self.bm25_weight = bm25_weight

    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]:
        if not docs:
            return []
        bm25 = BM25Okapi([tokens(d.page_content) for d, _ in docs]).get_scores(tokens(query))
        hi = max(bm25)
        norm = [max(b, 0.0) / hi if hi > 0 else 0.0 for b in bm25]
        scored = [(d, (1 - self.bm25_weight) * cos + self.bm25_weight * n) for (d, cos), n in zip(docs, norm, strict=True)]
        return sorted(scored, key=lambda x: x[1], reverse=True)


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder (BAAI/bge-reranker-base in production, or a local path)."""

    def __init__(self, model_name: str) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model_name)

    def rerank(self, query: str, docs: list[tuple[Document, float]]) -> list[tuple[Document, float]]:
        if not docs:
            return []
        scores = self.model.predict([(query, d.page_content) for d, _ in docs], show_progress_bar=False)
        return sorted(((d, float(s)) for (d, _), s in zip(docs, scores, strict=True)), key=lambda x: x[1], reverse=True)


def build_reranker(settings: Settings) -> Reranker:
    return CrossEncoderReranker(settings.reranker_model) if settings.reranker_model else HybridReranker()
