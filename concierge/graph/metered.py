"""LLM steps run under a meter: their calls, tokens and dollars go into the thread's `llm_usage`, a
spent budget hands the ticket to a person, and steps the offline engine judged instead of the LLM
(circuit breaker open, budget spent) are flagged on the thread."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.tools.llm.structured import BudgetExceeded, prices_of
from concierge.tools.llm.usage import Meter, metering

Step = Callable[[TicketState, Runtime[Context]], Awaitable[dict[str, Any]]]


def metered(name: str, step: Step) -> Step:
    @functools.wraps(step)
    async def run(state: TicketState, runtime: Runtime[Context]) -> dict[str, Any]:
        services = await services_of(runtime)
        settings = services.settings
        meter = Meter(
            prices=prices_of(settings), thread_id=state.get("thread_id"),
            spent_before=(state.get("llm_usage") or {}).get("cost_usd", 0.0),
            budget_usd=settings.llm_budget_per_ticket or None,
            budget_already_hit=bool(state.get("llm_budget_exceeded")),
            breaker=getattr(services, "llm_breaker", None),
        )
        with metering(meter):
            try:
                update = await step(state, runtime)
            except BudgetExceeded as e:
                reason = f"LLM budget reached: {e}. A person takes the ticket from here."
                update = {"stage": "escalating", "llm_budget_exceeded": True, "log": log(name, reason),
                          "escalation": {"reasons": [reason], "source": "llm_budget"}}
        if meter.injections:  # for the operator: what the customer text tried to tell the model
            quoted = "; ".join(f"“{t[:120]}”" for t in meter.injections[:3])
            update = {**update, "log": [*update.get("log", []), *log(name, f"left out instruction-like customer text: {quoted}")]}
        if any(meter.usage.values()):
            update = {**update, "llm_usage": meter.usage}
        if meter.fallbacks:
            before = state.get("llm_degraded") or {}
            update = {**update, "llm_degraded": {
                "reasons": list(dict.fromkeys([*before.get("reasons", []), *meter.fallbacks])),
                "steps": [*before.get("steps", []), name],
            }, "log": [*update.get("log", []), *log(name, f"judged by the offline engine: {meter.fallbacks[-1]}")]}
        return update

    return run
