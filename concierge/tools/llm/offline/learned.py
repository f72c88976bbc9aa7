"""The learned part of the offline engine: packaged MiniLM sentence embeddings and small linear heads.

The model is the process's one copy (`concierge.tools.minilm`, shared with the knowledge base);
each text is embedded once and cached, so triage and escalation of the same ticket share one
embedding. The heads are plain coefficient arrays (`heads/*.npz`, written by
`python -m concierge.eval.train`): loading them runs no code.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from concierge.tools import minilm

HEADS_DIR = Path(__file__).parent / "heads"
_CACHE_SIZE = 4096
_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = threading.Lock()


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length MiniLM embeddings, one row per text."""
    with _lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _cache))
        if missing:
            model = minilm.model()
            with minilm.LOCK:
                vectors = model.encode(missing, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            for text, vector in zip(missing, vectors, strict=True):
                _cache[text] = vector
        rows = []
        for text in texts:
            _cache.move_to_end(text)
            rows.append(_cache[text])
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)


@dataclass(frozen=True)
class Head:
    """A multinomial (or binary) logistic regression over embeddings."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, dim), or (1, dim) for two classes
    intercept: np.ndarray

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        scores = vectors @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1 - p, p])
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Class probabilities of each text."""
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in self.proba(embed(texts))]

    def save(self, path: Path) -> None:
        np.savez(path, classes=np.array(self.classes), coef=self.coef, intercept=self.intercept)


@lru_cache
def head(name: str) -> Head:
    with np.load(HEADS_DIR / f"{name}.npz", allow_pickle=False) as f:
        return Head(tuple(str(c) for c in f["classes"]), f["coef"], f["intercept"])
