"""Exact signals win over the model's triage: the node escalates whatever a model answered."""

from __future__ import annotations

from concierge.agents.triage import triage
from tests.agents.helpers import ticket_state

BOOKING = {"triage": {"path": "booking", "intent": "book_hotel", "sentiment": "positive"},
           "profile": {"name": "x", "summary": "A booking."}}


async def test_a_request_for_a_person_escalates_whatever_the_model_triaged(services, rt, llm):
    llm.answers["TicketReading"] = BOOKING
    state = await ticket_state(services, "1003")

    update = await triage(state, rt)

    assert update["path"] == "escalate"
    assert update["escalation"]["reasons"]
    assert update["guard_notes"][0]["step"] == "triage"
    assert any("guard:" in e["text"] for e in update["log"])


async def test_a_charge_complaint_escalates_whatever_the_model_triaged(services, rt, llm):
    llm.answers["TicketReading"] = BOOKING
    state = await ticket_state(services, "1001")
    state["ticket"] = {**state["ticket"], "subject": "My invoice", "body": "You double-charged my card for the May stay."}

    update = await triage(state, rt)

    assert update["path"] == "escalate"
    assert any("charge" in r for r in update["escalation"]["reasons"])


async def test_a_plain_booking_is_left_as_the_model_read_it(services, rt, llm):
    llm.answers["TicketReading"] = BOOKING
    state = await ticket_state(services, "1001")

    update = await triage(state, rt)

    assert update["path"] == "booking" and "guard_notes" not in update
