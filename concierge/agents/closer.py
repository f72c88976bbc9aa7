"""Closer: the final helpdesk writes — a note (transcript or answer), the ticket's new state — and the team alert."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.tools.alerts import Alert

RESOLUTION_FOR_ACTION = {"approve": "resolved", "close": "closed", "handoff": "handed_off"}


def closing(state: TicketState) -> tuple[str, str, str]:
    """(resolution, summary, note body) for how this thread ends."""
    decision = state.get("human_decision")
    if decision and decision["action"] in RESOLUTION_FOR_ACTION:  # a "retry" led here through the normal flow
        resolution = RESOLUTION_FOR_ACTION[decision["action"]]
        summary = f"{decision['action']} by {decision['by']}: {decision['note']}".strip().rstrip(":")
        return resolution, summary, f"Human decision — {summary}"
    if state.get("path") == "support":
        email = (state.get("emails") or [{}])[-1]
        titles = ", ".join(p["title"] for p in state.get("policies") or [])
        return "resolved", f"Answered by email ({titles})", f"Concierge answered by email:\n\n{email.get('body', '')}"
    analysis = state.get("call_analysis") or {}
    report = state.get("call_report") or {}
    booked = next((o for o in state.get("offers") or [] if o["room_id"] == analysis.get("booked_room_id")), None)
    what = f"{booked['hotel_name']} — {booked['room_name']}, {booked['price_per_night']:.0f} {booked['currency']}/night" if booked else "booking confirmed on the call"
    body = f"Concierge closed this ticket after a call.\n\nBooked: {what}\nSummary: {analysis.get('summary', '')}\n\nTranscript:\n{report.get('transcript', '')}"
    return "resolved", f"Booked: {what}", body


async def closer(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    store, thread_id, ticket = services.store, state["thread_id"], state["ticket"]
    resolution, summary, body = closing(state)

    async def note() -> str:
        return await services.helpdesk.add_note(ticket["id"], body)

    async def mark() -> bool:
        await services.helpdesk.set_resolution(ticket["id"], resolution, summary)
        return True

    async def alert() -> bool:
        await services.alerts.send(Alert(
            kind="success" if resolution == "resolved" else "info", thread_id=thread_id,
            idempotency_key=effect_key(state, "close", "alert"),
            title=f"Ticket {ticket['id']} {resolution.replace('_', ' ')}: {ticket['subject']}", text=summary,
            fields={"customer": ticket["customer"]["name"], "path": state.get("path", "")},
        ))
        return True

    for step, effect in (("note", note), ("status", mark), ("alert", alert)):
        await store.once(effect_key(state, "close", step), thread_id, effect)
    return {"outcome": {"status": resolution, "summary": summary}, "stage": "done", "log": log("closer", f"{resolution}: {summary}")}
