from __future__ import annotations

import dataclasses

from concierge.agents.triage import triage
from concierge.tools.llm.offline.engine import OfflineChatModel
from tests.agents.helpers import CITIES, runtime_for, sent_data, ticket_state

BOOKING = {"path": "booking", "intent": "book_hotel", "sentiment": "positive", "escalation_reasons": [],
           "rationale": "Wants a room in Lisbon."}
SUPPORT = {"path": "support", "intent": "check_in_question", "sentiment": "neutral", "escalation_reasons": [],
           "rationale": "Asks about check-in."}
ESCALATE = {"path": "escalate", "intent": "contact_human_agent", "sentiment": "angry",
            "escalation_reasons": ["Customer asks for a human: “I want to speak to a real person NOW.”"],
            "rationale": "Wants a person."}
PROFILE = {
    "name": "Maria Costa", "party_size": 3, "children": 1, "destination": "Lisbon", "check_in": "2027-04-14",
    "check_out": "2027-04-18", "nights": 4, "budget_per_night": 250, "currency": "EUR", "preferences": ["quiet"],
    "past_friction": ["ticket 768: noisy room"], "summary": "Maria wants a quiet room in Lisbon for three.",
}


def reading(triage: dict, **profile) -> dict:
    return {"triage": triage, "profile": {**PROFILE, **profile}}


async def test_booking_ticket_is_triaged_and_profiled_in_one_call(rt, services, llm):
    llm.answers["TicketReading"] = reading(BOOKING)
    update = await triage(await ticket_state(services, "1001"), rt)

    assert [name for name, _ in llm.calls] == ["TicketReading"]  # one LLM call, not two
    assert update["stage"] == "profiled"
    assert update["path"] == "booking"
    assert update["triage"]["intent"] == "book_hotel"
    assert update["profile"]["destination"] == "Lisbon"
    assert update["profile"]["budget_per_night"] == 250.0
    assert update["profile"]["language"] == "en"
    assert "escalation" not in update
    assert "path=booking" in update["log"][-1]["text"]


async def test_support_ticket_is_triaged(rt, services, llm):
    llm.answers["TicketReading"] = reading(SUPPORT)
    update = await triage(await ticket_state(services, "1002"), rt)
    assert (update["stage"], update["path"]) == ("profiled", "support")
    assert "escalation" not in update


async def test_escalate_path_goes_to_escalation_with_the_reasons_and_a_profile(rt, services, llm):
    llm.answers["TicketReading"] = reading(ESCALATE)
    update = await triage(await ticket_state(services, "1003"), rt)

    assert update["path"] == "escalate"
    assert update["stage"] == "profiled"  # escalated next, with the profile
    assert update["escalation"] == {"reasons": ESCALATE["escalation_reasons"], "source": "triage"}
    assert update["profile"]["summary"]


async def test_escalation_without_reasons_falls_back_to_the_rationale(rt, services, llm):
    llm.answers["TicketReading"] = reading({**ESCALATE, "escalation_reasons": [], "rationale": "Nothing automated fits."})
    update = await triage(await ticket_state(services, "1003"), rt)
    assert update["escalation"]["reasons"] == ["Nothing automated fits."]


async def test_the_reading_gets_ticket_history_and_destinations_as_data_and_no_address(rt, services, llm):
    llm.answers["TicketReading"] = reading(BOOKING)
    state = await ticket_state(services, "1001")
    await triage(state, rt)

    [data] = sent_data(llm, "TicketReading")
    assert data["known_destinations"] == CITIES  # every city of the inventory, from the KB
    assert [h["id"] for h in data["history"]] == ["731", "768"]
    assert set(data["history"][0]) == {"id", "subject", "body", "created_at"}
    assert data["ticket"] == {"subject": state["ticket"]["subject"], "body": state["ticket"]["body"],
                              "created_at": state["ticket"]["created_at"], "customer": {"name": "Maria Costa"}}
    name, messages = llm.calls[-1]
    assert messages[0].type == "system" and "triage" in messages[0].content.lower()
    assert state["ticket"]["customer"]["email"] not in messages[-1].content  # the address never reaches the model


async def test_the_detected_language_goes_into_the_profile(rt, services, llm):
    llm.answers["TicketReading"] = reading(BOOKING, language=None)
    state = await ticket_state(services, "1001")
    state["ticket"]["body"] = "Hola, quisiera reservar una habitación tranquila en Lisboa para tres personas en abril."
    update = await triage(state, rt)
    assert update["profile"]["language"] == "es"


async def test_the_offline_engine_profiles_ticket_1001(services):
    offline = dataclasses.replace(services, llm=OfflineChatModel())
    update = await triage(await ticket_state(services, "1001"), runtime_for(offline))

    assert update["path"] == "booking"
    profile = update["profile"]
    assert profile["party_size"] == 3
    assert profile["destination"] == "Lisbon"
    assert (profile["check_in"], profile["check_out"], profile["nights"]) == ("2027-04-14", "2027-04-18", 4)
    assert (profile["budget_per_night"], profile["currency"]) == (250.0, "EUR")
    assert "quiet" in profile["preferences"]
    assert any("768" in f and "Noisy" in f for f in profile["past_friction"])
    assert profile["language"] == "en"


async def test_an_arrival_weekday_counts_from_the_day_the_ticket_was_written(services):
    state = await ticket_state(services, "1001")
    state["ticket"] |= {"body": "Two of us need a room in Lisbon, 3 nights starting Friday.", "created_at": "2026-11-23T09:00:00Z"}
    update = await triage(state, runtime_for(dataclasses.replace(services, llm=OfflineChatModel())))
    assert (update["profile"]["check_in"], update["profile"]["check_out"]) == ("2026-11-27", "2026-11-30")  # a Monday's Friday
