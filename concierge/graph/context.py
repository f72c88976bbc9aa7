"""Per-run context handed to every node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.runtime import Runtime
from pydantic import InstanceOf
from pydantic.json_schema import SkipJsonSchema

from concierge.services import Services, default_services


@dataclass(kw_only=True)
class Context:
    # The app injects its opened services; runs that bring none (LangGraph Studio) use the process
    # defaults. Not part of the context schema Studio shows: it is not something to type in.
    services: SkipJsonSchema[InstanceOf[Services]] | None = None
    # For the run that starts a thread: the ticket as read when it was assigned, so intake asks the
    # helpdesk only for the history. Concierge passes it on; nobody types it in.
    assigned_ticket: SkipJsonSchema[dict[str, Any]] | None = None


async def services_of(runtime: Runtime[Context] | None) -> Services:
    ctx = getattr(runtime, "context", None)
    if ctx is not None and ctx.services is not None:
        return ctx.services
    return await default_services()
