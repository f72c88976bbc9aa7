"""`concierge eval phone FILE…`: finding a phone number in text and normalising it to E.164."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from concierge.eval.cli import eval_app
from concierge.eval.common import by_split, ratio, read_rows
from concierge.tools.phone import extract_phone


@eval_app.command()
def phone(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    """E.164 accuracy of the phone parser; `expected: null` rows hold no callable number."""
    out = {}
    for split, rows in by_split(read_rows(*files)).items():
        hits = 0
        for row in rows:
            needed = row.get("default_region_needed")
            region = (needed.get("region") if isinstance(needed, dict) else needed) or "US"
            hits += extract_phone(row["text"], region) == (row.get("expected") or {}).get("e164")
        out[split] = {"n": len(rows), "e164_accuracy": ratio(hits, len(rows))}
    typer.echo(json.dumps({"files": [str(f) for f in files], "splits": out}, indent=1))
