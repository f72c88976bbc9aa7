"""`concierge eval …`: measure Concierge's judgment on labelled data (the measures are in
`concierge.eval`). Every command reads JSONL files in the shape of the public evaluation data
(`split` = dev or holdout on each row) and prints its metrics per split as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from concierge.cli.terminal import run_async

eval_app = typer.Typer(help="Measure Concierge on labelled data (JSONL, metrics per split as JSON).", no_args_is_help=True)
FILES = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="JSONL files in the shape of the shared data.")


@eval_app.command()
def escalation(files: list[Path] = FILES) -> None:
    """Precision, recall and F1 of escalating (triage path = escalate) against `labels.needs_escalation`."""
    from concierge.eval import judgment

    typer.echo(json.dumps(judgment.escalation(files), indent=1))


@eval_app.command()
def intent(files: list[Path] = FILES) -> None:
    """Accuracy of the triage path against the source intent's path (table in `concierge/eval/intent_paths.py`)
    and the confusion matrix, rows = expected path, columns = predicted path."""
    from concierge.eval import judgment

    typer.echo(json.dumps(judgment.intent(files), indent=1))


@eval_app.command()
def outcome(files: list[Path] = FILES) -> None:
    """Accuracy, precision and recall of `booked` read from the transcript alone (no provider verdict), and of
    needs-a-person where the rows label it (`labels.needs_person`)."""
    from concierge.eval import judgment

    typer.echo(json.dumps(judgment.outcome(files), indent=1))


@eval_app.command("phone")
def phone(
    files: Annotated[list[Path], typer.Argument(help="JSONL files in the shape of the shared phone files.")],
    default_region: Annotated[str, typer.Option(help="Region for rows without default_region_needed.")] = "US",
) -> None:
    """Exact-E.164 accuracy and false positives of phone extraction, per split, as JSON."""
    from concierge.eval.phone import measure

    typer.echo(json.dumps(measure(files, default_region), indent=2))


@eval_app.command("replies")
def replies(files: list[Path] = FILES) -> None:
    """Replies as mail clients write them: exact phone accuracy, numbers taken that were not the customer's (from
    a quote, a signature or elsewhere), the customer's own words (exact / mean similarity) and declines, as JSON
    for all rows and per split."""
    from concierge.eval.replies import measure

    typer.echo(json.dumps(measure(files), indent=2, ensure_ascii=False))


@eval_app.command("retrieval")
def retrieval(files: list[Path] = typer.Argument(..., exists=True, readable=True,
                                                 help="Query JSONL files; hotel_kb_multiwoz.json beside them.")) -> None:
    """Exact-set precision, recall and F1 of the offered hotels, per split, as JSON."""
    from concierge.eval.retrieval import evaluate

    typer.echo(json.dumps(run_async(evaluate(files)), indent=2))
