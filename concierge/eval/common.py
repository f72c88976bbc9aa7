"""What every evaluation shares: reading rows, grouping by split, printing JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def read_rows(*paths: Path) -> Iterator[dict[str, Any]]:
    for path in paths:
        with Path(path).open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def by_split(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row.get("split", "all")].append(row)
    return dict(sorted(groups.items()))


def ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


def binary_metrics(pairs: Iterable[tuple[bool, bool]]) -> dict[str, float | int]:
    """Accuracy, precision, recall and F1 of (predicted, actual) pairs."""
    tp = fp = fn = tn = 0
    for predicted, actual in pairs:
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {
        "n": tp + fp + fn + tn, "accuracy": ratio(tp + tn, tp + fp + fn + tn),
        "precision": precision, "recall": recall, "f1": ratio(2 * precision * recall, precision + recall),
    }
