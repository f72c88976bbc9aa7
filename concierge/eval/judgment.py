"""The triage and call judgments on labelled rows (`concierge eval escalation|intent|outcome FILE…`).

Each row goes through the same call the graph makes (`agents.triage.read_ticket`, `agents.call_analyst.analyse`)
with the configured chat model: the offline engine by default, the LLM when one is configured.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from concierge.eval.common import binary_metrics, by_split, ratio, read_rows
from concierge.eval.intent_paths import PATHS, row_path

T = TypeVar("T")
CONCURRENCY = 4  # parallel LLM requests; the offline engine runs them one after the other anyway


def _model_and_company():
    from concierge.settings import get_settings
    from concierge.tools.llm import build_chat_model

    settings = get_settings()
    return build_chat_model(settings), settings.company_name, settings.llm_engine


def _judge_all(rows: list[dict[str, Any]], judge: Callable[[dict[str, Any]], Awaitable[T]]) -> list[T]:
    async def run() -> list[T]:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(row: dict[str, Any]) -> T:
            async with gate:
                return await judge(row)

        return await asyncio.gather(*(one(r) for r in rows))

    return asyncio.run(run())


def _report(engine: str, files: list[Path], splits: dict[str, Any]) -> dict[str, Any]:
    return {"engine": engine, "files": [str(f) for f in files], "splits": splits}


def _paths(files: list[Path]) -> tuple[str, dict[str, list[tuple[dict[str, Any], str]]]]:
    """Every row with the path the configured model gives it, grouped by split."""
    from concierge.agents.triage import read_ticket

    llm, company, engine = _model_and_company()
    rows = list(read_rows(*files))
    readings = _judge_all(rows, lambda r: read_ticket(llm, company, {"subject": "", "body": r["text"]}))
    paired = [{**r, "_path": d.triage.path} for r, d in zip(rows, readings, strict=True)]
    return engine, {split: [(r, r["_path"]) for r in group] for split, group in by_split(paired).items()}


def escalation(files: list[Path]) -> dict[str, Any]:
    """Precision, recall and F1 of escalating (triage path = escalate) against `labels.needs_escalation`."""
    engine, splits = _paths(files)
    return _report(engine, files, {s: binary_metrics((path == "escalate", bool(r["labels"]["needs_escalation"])) for r, path in rows)
                                   for s, rows in splits.items()})


def intent(files: list[Path]) -> dict[str, Any]:
    """Accuracy of the triage path against the source intent's path (table in `concierge/eval/intent_paths.py`)
    and the confusion matrix, rows = expected path, columns = predicted path."""
    engine, splits = _paths(files)
    out = {}
    for split, rows in splits.items():
        pairs = Counter((row_path(r), path) for r, path in rows)
        out[split] = {
            "n": len(rows),
            "accuracy": ratio(sum(n for (want, got), n in pairs.items() if want == got), len(rows)),
            "confusion": {want: {got: pairs[(want, got)] for got in PATHS} for want in PATHS},
        }
    return _report(engine, files, out)


def turns_of(row: dict[str, Any]) -> list[dict[str, str]]:
    """The row's turns as a provider's structured messages give them (customer or assistant)."""
    return [{"speaker": "customer" if t["speaker"] == "customer" else "assistant", "text": t["text"]} for t in row["turns"]]


def outcome(files: list[Path]) -> dict[str, Any]:
    """Accuracy, precision and recall of `booked` read from the transcript alone (no provider verdict), and of
    needs-a-person where the rows label it (`labels.needs_person`)."""
    from concierge.agents.call_analyst import analyse

    llm, company, engine = _model_and_company()
    rows = list(read_rows(*files))
    results = _judge_all(rows, lambda r: analyse(llm, company, {"turns": turns_of(r)}, []))
    judged = [{**r, "_a": a} for r, a in zip(rows, results, strict=True)]
    out = {}
    for split, group in by_split(judged).items():
        out[split] = {"booked": binary_metrics((r["_a"].booked, bool(r["labels"]["booking_succeeded"])) for r in group)}
        person = [r for r in group if "needs_person" in r["labels"]]
        if person:
            out[split]["needs_person"] = binary_metrics(
                (r["_a"].frustrated or not r["_a"].booked, bool(r["labels"]["needs_person"])) for r in person)
    return _report(engine, files, out)
