"""Escalation: the ticket goes to a human with the exact reasons, and the team is pinged.

Each escalation of a thread is numbered, so a thread escalated again after a retry writes again,
while a replayed node finds its writes done and skips them.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.tools.alerts import Alert


def escalation_note(state: TicketState, reasons: list[str]) -> str:
    lines = ["Concierge escalated this ticket to a human.", "", "Reasons:"] + [f"- {r}" for r in reasons]
    analysis = state.get("call_analysis")
    if analysis:
        lines += ["", f"Call: {analysis.get('summary', '')}"]
        transcript = (state.get("call_report") or {}).get("transcript")
        if transcript:
            lines += ["", "Transcript:", transcript]
    return "\n".join(lines)


async def escalation(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    store, thread_id = services.store, state["thread_id"]
    info = dict(state.get("escalation") or {})
    reasons = info.get("reasons") or ["Escalated without a recorded reason."]
    number = state.get("escalations", 0) + 1
    ticket = state["ticket"]

    async def note() -> str:
        return await services.helpdesk.add_note(ticket["id"], escalation_note(state, reasons))

    async def mark() -> bool:
        await services.helpdesk.set_resolution(ticket["id"], "escalated", "; ".join(reasons))
        return True

    async def alert() -> bool:
        await services.alerts.send(Alert(
            kind="escalation", thread_id=thread_id, idempotency_key=effect_key(state, "escalate", number, "alert"),
            title=f"Ticket {ticket['id']} needs a human: {ticket['subject']}", text=" | ".join(reasons),
            fields={"customer": ticket["customer"]["name"], "path": state.get("path", ""), "source": info.get("source", "")},
        ))
        return True

    for step, effect in (("note", note), ("status", mark), ("alert", alert)):
        await store.once(effect_key(state, "escalate", number, step), thread_id, effect)
    return {
        "escalation": {**info, "reasons": reasons},
        "escalations": number,
        "outcome": {"status": "escalated", "summary": "; ".join(reasons)},
        "human_decision": None,
        "stage": "awaiting_human",
        "log": log("escalation", f"escalated to a human: {'; '.join(reasons)}"),
    }
