"""Per-run context handed to every node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.runtime import Runtime

from concierge.services import Services, default_services


@dataclass(kw_only=True)
class Context:
    # The app injects its opened services; runs that bring none (LangGraph Studio) use the process defaults.
    services: Any = None


async def services_of(runtime: Runtime[Context] | None) -> Services:
    ctx = getattr(runtime, "context", None)
    if ctx is not None and getattr(ctx, "services", None) is not None:
        return ctx.services
    return await default_services()
