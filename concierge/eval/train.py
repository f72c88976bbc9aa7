"""Train the offline engine's heads from the dev rows of the shared data and the written examples.

    python -m concierge.eval.train [--data ../shared/eval/data] [--out DIR]

Writes the offline engine's heads (into `concierge/tools/llm/offline/heads/`, or `--out`): `triage.npz`
(booking / support / escalate) and `call_turn.npz` (a sentence an agent says on a call: success /
failure / other) plus `manifest.json` with what each was trained on.
Only rows with `split: dev` are read; holdout rows stay unseen. The same inputs give the same heads.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from concierge.eval.common import read_rows
from concierge.eval.intent_paths import row_path
from concierge.tools.llm.offline.call import asks
from concierge.tools.llm.offline.learned import HEADS_DIR, Head, embed
from concierge.tools.llm.offline.text import sentences

EXAMPLES = HEADS_DIR.parent / "training" / "examples.jsonl"  # written examples, beside the heads
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "eval" / "data"  # beside the checkout
INTENT_FILES = ("escalation_utterances.jsonl", "intent_hospitality_bitext.jsonl", "intent_travel_clinc150.jsonl")
DIALOGUE_FILE = "booking_dialogues_sgd.jsonl"
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def dev_rows(path: Path) -> list[dict]:
    return [r for r in read_rows(path) if r.get("split") == "dev"]


def written(task: str) -> list[tuple[str, str]]:
    return [(r["text"], r["label"]) for r in read_rows(EXAMPLES) if r["task"] == task]


def fit(texts: list[str], labels: list[str]) -> tuple[Head, dict]:
    """Logistic regression on embeddings; C is picked by 5-fold cross-validation on these rows alone."""
    x, y = embed(texts), np.array(labels)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    cv = {c: float(cross_val_score(_model(c), x, y, cv=folds, scoring="f1_macro").mean()) for c in C_GRID}
    best = max(cv, key=cv.__getitem__)
    model = _model(best).fit(x, y)
    head = Head(tuple(str(c) for c in model.classes_), model.coef_.astype(np.float32), model.intercept_.astype(np.float32))
    return head, {"rows": len(texts), "labels": dict(Counter(labels)), "C": best, "cv_f1_macro": round(cv[best], 4)}


def _model(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000)


def triage_rows(data: Path) -> tuple[list[str], list[str]]:
    pairs: dict[str, str] = {}
    for name in INTENT_FILES:
        for row in dev_rows(data / name):
            pairs.setdefault(row["text"], row_path(row))
    for text, label in written("triage"):
        pairs.setdefault(text, label)
    return list(pairs), list(pairs.values())


def agent_sentences(row: dict) -> list[str]:
    return [s for t in row["turns"] if t["speaker"] == "agent" for s in sentences(t["text"])]


def call_turn_rows(data: Path) -> tuple[list[str], list[str]]:
    """Written sentences, then the agent's sentences in dev dialogues labelled by the dialogue's outcome:
    all `other` in a call without a booking attempt, and every question or request to confirm is `other`;
    in a call that booked (or failed) the statement the written-example head finds most like a success
    (failure) notice is one, the other statements that do not read like notices are `other`."""
    seed = dict(written("call_turn"))
    head, _ = fit(list(seed), list(seed.values()))
    pairs = dict(seed)
    for row in dev_rows(data / DIALOGUE_FILE):
        turns = agent_sentences(row)
        outcome = row["labels"]["booking_outcome"]
        notices = {"booked": ["success"], "failed": ["failure"], "failed_then_booked": ["failure", "success"]}.get(outcome, [])
        if not notices:
            for text in turns:
                pairs.setdefault(text, "other")
            continue
        for text in filter(asks, turns):
            pairs.setdefault(text, "other")
        turns = [t for t in turns if not asks(t)]
        probs = head.scores(turns)
        chosen = {_best(probs, notice): notice for notice in notices}
        for i, text in enumerate(turns):
            # A sentence that reads like a notice but was not chosen may repeat one in other words: left out.
            if i in chosen or max(probs[i], key=probs[i].__getitem__) == "other":
                pairs.setdefault(text, chosen.get(i, "other"))
    return list(pairs), list(pairs.values())


def _best(probs: list[dict[str, float]], notice: str) -> int:
    return max(range(len(probs)), key=lambda i: probs[i][notice])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the shared evaluation data")
    parser.add_argument("--out", type=Path, default=HEADS_DIR, help="folder the heads are written to")
    args = parser.parse_args(argv)
    args.out.mkdir(exist_ok=True)
    manifest = {}
    for name, rows in (("triage", triage_rows), ("call_turn", call_turn_rows)):
        head, info = fit(*rows(args.data))
        head.save(args.out / f"{name}.npz")
        manifest[name] = {"classes": list(head.classes), **info}
        print(name, json.dumps(manifest[name]))
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
