"""Record decision: a person's decision that lets the thread go on (a retry, a reply) is written on
the helpdesk ticket as a note, once, with their note and the reply they sent. Decisions that end the
thread (approve, close, hand-off) are noted by the closer."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.graph.waits.decisions import retry_route


def decision_note(state: TicketState, decision: dict[str, Any]) -> str:
    by, note = decision["by"], decision.get("note") or ""
    if decision["action"] == "reply":
        after = "The ticket is closed." if decision.get("then") == "close" else "Concierge waits for the customer's answer and hands it to a person."
        lines = [f"{by} replied to the customer by email.", "", f"Subject: {decision.get('subject', '')}", "",
                 decision.get("body", ""), "", after]
    else:
        how = "a new call" if retry_route(state) == "call" else "a new email"
        lines = [f"{by} asked Concierge to try again ({how})."]
    if note:
        lines += ["", f"Note from {by}: {note}"]
    return "\n".join(lines)


async def record_decision(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    decision, ticket = state["human_decision"], state["ticket"]
    assert decision is not None  # the graph comes here after a person's decision
    key = effect_key(state, "decision", state.get("human_decisions", 0), "note")
    body = decision_note(state, decision)

    async def add_note(_: dict) -> str:
        return await services.helpdesk.add_note(ticket["id"], body, idempotency_key=key)

    await services.store.once(key, state["thread_id"], add_note, retry_safe=getattr(services.helpdesk, "retry_safe", False))
    return {"stage": "decision_recorded", "log": log("record_decision", f"{decision['action']} by {decision['by']} noted on the ticket")}
