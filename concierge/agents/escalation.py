"""Escalation: the ticket goes to a human with the exact reasons, and the team is pinged.

Each escalation of a thread is numbered, so a thread escalated again after a retry writes again,
while a replayed node finds its writes done and skips them.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.agents.outcome import record_outcome
from concierge.graph.state import TicketState, log


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
    info = dict(state.get("escalation") or {})
    reasons = info.get("reasons") or ["Escalated without a recorded reason."]
    number = state.get("escalations", 0) + 1
    ticket = state["ticket"]
    await record_outcome(
        services, state, ("escalate", number), note=escalation_note(state, reasons), resolution="escalated",
        reason="; ".join(reasons), alert_kind="escalation",
        alert_title=f"Ticket {ticket['id']} needs a human: {ticket['subject']}", alert_fields={"source": info.get("source", "")},
    )
    return {
        "escalation": {**info, "reasons": reasons},
        "escalations": number,
        "outcome": {"status": "escalated", "summary": "; ".join(reasons)},
        "human_decision": None,
        "stage": "awaiting_human",
        "log": log("escalation", f"escalated to a human: {'; '.join(reasons)}"),
    }
