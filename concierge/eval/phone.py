"""Exact-E.164 accuracy and false positives of the phone extractor per split (`concierge eval phone FILE…`).

A row gives `text`, `expected.e164` (or null: no number there) and `default_region_needed` (the
region a national number is read in — the customer's region in the product). Rows without it are
read in `--default-region`. A false positive is a number where none is expected, or a wrong one.
"""

from __future__ import annotations

from pathlib import Path

from concierge.eval.common import by_split, ratio, read_rows
from concierge.tools.phone import extract_phone


def _region(row: dict, default_region: str) -> str:
    hint = row.get("default_region_needed")
    return (hint.get("region") if isinstance(hint, dict) else hint) or default_region


def score(rows: list[dict], default_region: str) -> dict:
    n = correct = false_positives = 0
    errors = []
    for row in rows:
        expected = (row.get("expected") or {}).get("e164")
        got = extract_phone(row["text"], _region(row, default_region))
        n += 1
        correct += got == expected
        if got is not None and got != expected:
            false_positives += 1
        if got != expected:
            errors.append({"id": row.get("id"), "expected": expected, "got": got})
    return {"n": n, "exact_e164_accuracy": ratio(correct, n), "false_positives": false_positives, "errors": errors[:20]}


def measure(files: list[Path], default_region: str) -> dict:
    """`score` per split of the rows in `files`."""
    return {split: score(rows, default_region) for split, rows in by_split(read_rows(*files)).items()}
