"""The profile guard: what a model's profile may say before offers are searched from it."""

from __future__ import annotations

import pytest

from concierge.agents.guards.profile import guard_profile
from concierge.agents.triage import triage
from concierge.schemas import CustomerProfile
from tests.agents.helpers import CITIES, ticket_state

WRITTEN = "2026-11-20T09:12:00Z"


def guarded(**fields) -> tuple[CustomerProfile, list[str]]:
    return guard_profile(CustomerProfile(name="Maria Costa", summary="A stay.", **fields), ["Lisbon", "Rome"], WRITTEN)


def test_a_sound_profile_passes_unchanged():
    profile, notes = guarded(destination="lisbon", party_size=3, children=1, nights=4, check_in="2027-04-14",
                             check_out="2027-04-18", budget_per_night=250)
    assert notes == [] and profile.destination == "Lisbon"  # the knowledge base's spelling


@pytest.mark.parametrize(("fields", "dropped", "why"), [
    ({"destination": "Montmartre"}, {"destination": None}, "none of the knowledge base's cities"),
    ({"party_size": 0}, {"party_size": None}, "out of range"),
    ({"party_size": 250}, {"party_size": None}, "out of range"),
    ({"party_size": 2, "children": 5}, {"children": None}, "does not fit the party"),
    ({"nights": 400}, {"nights": None}, "out of range"),
    ({"budget_per_night": -5}, {"budget_per_night": None}, "out of range"),
    ({"check_in": "?", "check_out": "?"}, {"check_in": None, "check_out": None}, "do not parse"),
    ({"check_in": "2027-04-18", "check_out": "2027-04-14"}, {"check_in": None, "check_out": None}, "not after check-in"),
    ({"check_in": "2019-01-01", "check_out": "2019-01-03"}, {"check_in": None, "check_out": None}, "before the ticket"),
    ({"check_in": "2027-04-14", "check_out": "2027-04-18", "nights": 9}, {"nights": 4}, "disagree with the dates"),
])
def test_each_misreading_is_dropped_with_its_reason(fields, dropped, why):
    profile, notes = guarded(**fields)
    assert {k: getattr(profile, k) for k in dropped} == dropped
    assert any(why in n for n in notes), notes


async def test_the_triage_node_keeps_what_the_guard_dropped_on_the_thread(rt, services, llm):
    llm.answers["TicketReading"] = {
        "triage": {"path": "booking", "intent": "book_hotel", "sentiment": "positive"},
        "profile": {"name": "Maria Costa", "summary": "A stay.", "destination": "Hôtel Lilas Montmartre", "party_size": 3,
                    "check_in": "?", "check_out": "?"},
    }
    update = await triage(await ticket_state(services, "1001"), rt)
    assert "Hôtel Lilas Montmartre" not in CITIES
    assert (update["profile"]["destination"], update["profile"]["check_in"]) == (None, None)
    assert update["profile"]["party_size"] == 3
    [note] = update["guard_notes"]
    assert note["step"] == "profile" and len(note["reasons"]) == 2
    assert any("guard: destination" in e["text"] for e in update["log"])
