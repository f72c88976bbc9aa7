"""Closer: the final helpdesk writes — a note (transcript or answer), the ticket's new state — and the team alert."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.agents.no_reply import unanswered_reason
from concierge.agents.outcome import record_outcome
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.tools.helpdesk.base import Resolution
from concierge.tools.voice.lines import free_line
from concierge.tools.voice.reports import readable_transcript

RESOLUTION_FOR_ACTION: dict[str, Resolution] = {"approve": "resolved", "close": "closed", "handoff": "handed_off", "reply": "resolved"}


def closing(state: TicketState) -> tuple[Resolution, str, str]:
    """(resolution, summary, note body) for how this thread ends."""
    decision = state.get("human_decision")
    # Only a decision that led straight here ends the thread; after a retry or a reply the flow went on.
    if decision and decision["action"] in RESOLUTION_FOR_ACTION and state.get("stage") in ("human_decided", "decision_recorded"):
        resolution = RESOLUTION_FOR_ACTION[decision["action"]]
        if decision["action"] == "reply":  # the reply and the person's note are on the ticket already
            summary = f"replied by {decision['by']} and closed"
            return resolution, summary, f"Human decision — {summary}."
        summary = f"{decision['action']} by {decision['by']}: {decision['note']}".strip().rstrip(":")
        return resolution, summary, f"Human decision — {summary}"
    if state.get("stage") == "unanswered":
        summary = unanswered_reason(state)
        return "closed", summary, f"Concierge closed this ticket: {summary} (NO_REPLY_POLICY=close)."
    if state.get("path") == "support":
        email = (state.get("emails") or [{}])[-1]
        titles = ", ".join(p["title"] for p in state.get("policies") or [])
        return "resolved", f"Answered by email ({titles})", f"Concierge answered by email:\n\n{email.get('body', '')}"
    if booking := state.get("booking"):
        return booking_closing(state, booking)
    if state.get("stage") == "booked_by_email":  # a thread booked before confirmations were sent
        offer = state.get("chosen_offer") or {}
        what = f"{offer['hotel_name']} — {offer['room_name']}, {offer['price_per_night']:.0f} {offer['currency']}/night" if offer else "the offer"
        confirmation = ((state.get("replies") or [{}])[-1]).get("text", "")
        body = (f"Concierge closed this ticket by email (the customer prefers email and declined a call).\n\n"
                f"Booked: {what}\n\nCustomer's confirmation:\n{confirmation}")
        return "resolved", f"Booked by email: {what}", body
    analysis = state.get("call_analysis") or {}
    report = state.get("call_report") or {}
    booked = next((o for o in state.get("offers") or [] if o["room_id"] == analysis.get("booked_room_id")), None)
    what = f"{booked['hotel_name']} — {booked['room_name']}, {booked['price_per_night']:.0f} {booked['currency']}/night" if booked else "booking confirmed on the call"
    body = f"Concierge closed this ticket after a call.\n\nBooked: {what}\nSummary: {analysis.get('summary', '')}\n\nTranscript:\n{readable_transcript(report)}"
    return "resolved", f"Booked: {what}", body


def booking_closing(state: TicketState, booking: dict) -> tuple[Resolution, str, str]:
    """How a booking closes the ticket: what was booked, how it was confirmed, and the conversation."""
    what = (f"{booking['hotel_name']} — {booking['room_name']}, {booking['price_per_night']:g} {booking['currency']}/night, "
            f"{booking.get('check_in') or '?'} to {booking.get('check_out') or '?'}, ref {booking['reference']}")
    record = "delivered to the booking system" if booking.get("delivered") else "not sent (no BOOKING_WEBHOOK_URL)"
    facts = f"Booked: {what}\nConfirmation emailed to the customer; booking record {record}."
    if booking.get("channel") == "email":
        confirmation = ((state.get("replies") or [{}])[-1]).get("text", "")
        body = (f"Concierge closed this ticket by email (the customer prefers email and declined a call).\n\n{facts}"
                f"\n\nCustomer's confirmation:\n{confirmation}")
        return "resolved", f"Booked by email: {what}", body
    analysis, report = state.get("call_analysis") or {}, state.get("call_report") or {}
    body = (f"Concierge closed this ticket after a call.\n\n{facts}\nSummary: {analysis.get('summary', '')}"
            f"\n\nTranscript:\n{readable_transcript(report)}")
    return "resolved", f"Booked: {what}", body


async def closer(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    ticket = state["ticket"]
    # A thread closed during its call, or while waiting for a line, gives the line back.
    await free_line(services.store, services.settings.max_concurrent_calls, state["thread_id"], "closed")
    resolution, summary, body = closing(state)
    await record_outcome(
        services, state, ("close", state["reopened"]) if state.get("reopened") else ("close",), note=body, resolution=resolution, reason=summary,
        alert_kind="success" if resolution == "resolved" else "info",
        alert_title=f"Ticket {ticket['id']} {resolution.replace('_', ' ')}: {ticket['subject']}", alert_fields={},
    )
    return {"outcome": {"status": resolution, "summary": summary}, "stage": "done", "log": log("closer", f"{resolution}: {summary}")}
