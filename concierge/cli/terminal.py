"""What every command prints with: one rich console, wide enough for the demo table when output is not
a terminal (CI logs, pipes)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

if TYPE_CHECKING:
    from concierge.settings import Settings

T = TypeVar("T")

console = Console(width=None if Console().is_terminal else 160)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, with asyncio imported only by a command that runs (not for `--help`)."""
    import asyncio

    return asyncio.run(coro)


def get_settings() -> Settings:
    """The settings, read when a command runs: `concierge --help` and every command's help stay
    fast because the settings model (pydantic-settings, ~150 fields) is not built to list them."""
    from concierge.settings import get_settings as read

    return read()
