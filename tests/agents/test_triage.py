from __future__ import annotations

from concierge.agents.triage import triage
from tests.agents.helpers import sent_data, ticket_state

BOOKING = {"path": "booking", "intent": "book_hotel", "sentiment": "positive", "escalation_reasons": [],
           "rationale": "Wants a room in Lisbon."}
SUPPORT = {"path": "support", "intent": "check_in_question", "sentiment": "neutral", "escalation_reasons": [],
           "rationale": "Asks about check-in."}
ESCALATE = {"path": "escalate", "intent": "contact_human_agent", "sentiment": "angry",
            "escalation_reasons": ["Customer asks for a human: “I want to speak to a real person NOW.”"],
            "rationale": "Wants a person."}


async def test_booking_ticket_is_triaged(rt, services, llm):
    llm.answers["TriageDecision"] = BOOKING
    update = await triage(await ticket_state(services, "1001"), rt)

    assert update["stage"] == "triaged"
    assert update["path"] == "booking"
    assert update["triage"]["intent"] == "book_hotel"
    assert "escalation" not in update
    assert "path=booking" in update["log"][-1]["text"]


async def test_support_ticket_is_triaged(rt, services, llm):
    llm.answers["TriageDecision"] = SUPPORT
    update = await triage(await ticket_state(services, "1002"), rt)
    assert (update["stage"], update["path"]) == ("triaged", "support")
    assert "escalation" not in update


async def test_escalate_path_goes_to_escalation_with_the_reasons(rt, services, llm):
    llm.answers["TriageDecision"] = ESCALATE
    update = await triage(await ticket_state(services, "1003"), rt)

    assert update["path"] == "escalate"
    assert update["stage"] == "triaged"  # profiled next, then escalated
    assert update["escalation"] == {"reasons": ESCALATE["escalation_reasons"], "source": "triage"}


async def test_escalation_without_reasons_falls_back_to_the_rationale(rt, services, llm):
    llm.answers["TriageDecision"] = {**ESCALATE, "escalation_reasons": [], "rationale": "Nothing automated fits."}
    update = await triage(await ticket_state(services, "1003"), rt)
    assert update["escalation"]["reasons"] == ["Nothing automated fits."]


async def test_triage_sends_only_the_ticket_text_as_data(rt, services, llm):
    llm.answers["TriageDecision"] = ESCALATE
    state = await ticket_state(services, "1003")
    await triage(state, rt)

    [data] = sent_data(llm, "TriageDecision")
    assert data == {"ticket": {"subject": state["ticket"]["subject"], "body": state["ticket"]["body"]}}
    name, messages = llm.calls[-1]
    assert messages[0].type == "system" and "triage" in messages[0].content.lower()
    # The customer's address and history never reach the model for triage.
    assert "richard.hale@example.org" not in messages[-1].content
