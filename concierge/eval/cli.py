"""The `concierge eval` command group; each judgment's module adds its command here."""

from __future__ import annotations

import typer

eval_app = typer.Typer(help="Measure Concierge on labelled data (JSONL, metrics per split as JSON).", no_args_is_help=True)

from concierge.eval import judgment, phone, retrieval  # noqa: E402,F401  (each registers its commands)
