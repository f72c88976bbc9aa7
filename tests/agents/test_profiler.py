from __future__ import annotations

import dataclasses

from concierge.agents.profiler import profiler
from concierge.tools.llm.offline import OfflineChatModel
from tests.agents.helpers import CITIES, runtime_for, sent_data, ticket_state

PROFILE = {
    "name": "Maria Costa", "party_size": 3, "children": 1, "destination": "Lisbon", "check_in": "2027-04-14",
    "check_out": "2027-04-18", "nights": 4, "budget_per_night": 250, "currency": "EUR", "preferences": ["quiet"],
    "past_friction": ["ticket 768: noisy room"], "summary": "Maria wants a quiet room in Lisbon for three.",
}


async def test_profiler_passes_known_destinations_and_history_as_data(rt, services, llm):
    llm.answers["CustomerProfile"] = PROFILE
    state = await ticket_state(services, "1001")
    update = await profiler(state, rt)

    [data] = sent_data(llm, "CustomerProfile")
    assert data["known_destinations"] == CITIES  # every city of the inventory, from the KB
    assert [h["id"] for h in data["history"]] == ["731", "768"]
    assert set(data["history"][0]) == {"id", "subject", "body", "status", "created_at"}
    assert data["ticket"]["subject"] == state["ticket"]["subject"]
    assert data["ticket"]["customer"]["name"] == "Maria Costa"

    assert update["stage"] == "profiled"
    assert update["profile"]["destination"] == "Lisbon"
    assert update["profile"]["budget_per_night"] == 250.0
    assert update["log"][-1]["text"] == update["profile"]["summary"]


async def test_profiler_with_the_offline_engine_profiles_ticket_1001(services):
    offline = dataclasses.replace(services, llm=OfflineChatModel())
    update = await profiler(await ticket_state(services, "1001"), runtime_for(offline))

    profile = update["profile"]
    assert profile["party_size"] == 3
    assert profile["destination"] == "Lisbon"
    assert (profile["check_in"], profile["check_out"], profile["nights"]) == ("2027-04-14", "2027-04-18", 4)
    assert (profile["budget_per_night"], profile["currency"]) == (250.0, "EUR")
    assert "quiet" in profile["preferences"]
    assert any("768" in f and "Noisy" in f for f in profile["past_friction"])
