"""What every command prints with: one rich console, wide enough for the demo table when output is not
a terminal (CI logs, pipes)."""

from __future__ import annotations

from rich.console import Console

console = Console(width=None if Console().is_terminal else 160)
