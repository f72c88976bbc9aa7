"""Measure the offline engine and the phone parser on the public evaluation data.

    .venv/bin/python evals/offline_engine.py [--data ../shared/eval/data]

Prints one line per measure and split. `holdout` rows are only measured, never used for tuning.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from concierge.tools.llm.offline.triage import triage
from concierge.tools.phone import extract_phone, normalise_phone

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "data"


def rows(path: Path):
    with path.open() as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def escalation(data: Path) -> None:
    counts = defaultdict(lambda: defaultdict(int))
    for row in rows(data / "escalation_utterances.jsonl"):
        # The label means "asks for a person or complains"; unclear requests also go to a human, but not for that reason.
        predicted = triage({"ticket": {"subject": "", "body": row["text"]}})["intent"] in {"contact_human_agent", "complaint"}
        actual = row["labels"]["needs_escalation"]
        counts[row["split"]][(predicted, actual)] += 1
    for split, c in sorted(counts.items()):
        tp, fp, fn, tn = c[(True, True)], c[(True, False)], c[(False, True)], c[(False, False)]
        n = tp + fp + fn + tn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"escalation  {split:8} n={n:4}  accuracy={(tp + tn) / n:.3f}  precision={precision:.3f}  recall={recall:.3f}")


def phones(data: Path) -> None:
    for name, parse in (("phone_snippets.jsonl", extract_phone), ("phone_numbers_intl_examples.jsonl", normalise_phone)):
        hits = defaultdict(lambda: [0, 0])
        for row in rows(data / name):
            needed = row.get("default_region_needed")
            region = (needed.get("region") if isinstance(needed, dict) else needed) or "US"
            got = parse(row["text"], region)
            expected = (row.get("expected") or {}).get("e164")  # None: the text holds no callable number
            hits[row["split"]][0] += got == expected
            hits[row["split"]][1] += 1
        for split, (ok, n) in sorted(hits.items()):
            print(f"{name.split('.')[0]:<28} {split:8} n={n:4}  e164 accuracy={ok / n:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    escalation(args.data)
    phones(args.data)


if __name__ == "__main__":
    main()
