from __future__ import annotations

from concierge.agents.retriever import retriever
from tests.agents.helpers import ROOMS, ticket_state

LISBON_FOR_THREE = {"name": "Maria Costa", "party_size": 3, "destination": "Lisbon", "budget_per_night": 260.0,
                    "currency": "EUR", "preferences": ["quiet"], "past_friction": ["ticket 768: noisy room"],
                    "constraints": {"required": ["facility:quiet"]},
                    "nights": 4, "summary": "."}


def assert_grounded(offer: dict) -> None:
    """An offer is a real room of the inventory, with its real price."""
    room = ROOMS[offer["room_id"]]
    assert offer["hotel_name"] == room["hotel"]["name"]
    assert offer["price_per_night"] == room["room"]["price_per_night"]
    assert offer["capacity"] == room["room"]["capacity"]


async def test_booking_offers_respect_city_capacity_budget_and_quiet(rt, services):
    state = await ticket_state(services, "1001", path="booking", stage="profiled", profile=LISBON_FOR_THREE)
    update = await retriever(state, rt)

    offers = update["offers"]
    assert update["stage"] == "retrieved"
    assert offers, "Lisbon has quiet rooms for three within 260 EUR"
    for o in offers:
        assert_grounded(o)
        assert o["city"] == "Lisbon"
        assert o["capacity"] >= 3
        assert o["price_per_night"] <= 260
        assert o["quiet"] is True
    assert len({o["hotel_id"] for o in offers}) == len(offers)  # one room per hotel
    assert len(offers) <= services.settings.retrieval_top_k
    assert "lisbon-noite-bairro-alto" not in {o["hotel_id"] for o in offers}  # the noisy hotel of ticket 768
    assert offers[0]["hotel_name"] in update["log"][-1]["text"]


async def test_booking_offers_for_a_family_of_four_in_rome(rt, services):
    profile = {"name": "James", "party_size": 4, "destination": "Rome", "budget_per_night": 300.0, "currency": "EUR",
               "preferences": [], "summary": "."}
    update = await retriever(await ticket_state(services, "1005", path="booking", profile=profile), rt)

    assert update["stage"] == "retrieved"
    assert update["offers"]
    for o in update["offers"]:
        assert_grounded(o)
        assert o["city"] == "Rome" and o["capacity"] >= 4 and o["price_per_night"] <= 300


async def test_no_room_in_the_destination_escalates_with_a_reason(rt, services):
    profile = {"name": "Maria", "party_size": 2, "destination": "Tokyo", "preferences": [], "summary": "."}
    update = await retriever(await ticket_state(services, "1001", path="booking", profile=profile), rt)

    assert update["stage"] == "escalating"
    assert update["offers"] == []
    assert update["escalation"]["source"] == "retriever"
    [reason] = update["escalation"]["reasons"]
    assert "Tokyo" in reason and "2" in reason


async def test_a_party_no_hotel_seats_in_eight_rooms_escalates(rt, services):
    profile = {"name": "Henrik", "party_size": 50, "destination": "Rome", "preferences": [], "summary": "."}
    update = await retriever(await ticket_state(services, "1005", path="booking", profile=profile), rt)
    assert update["stage"] == "escalating"
    assert "50" in update["escalation"]["reasons"][0]


async def test_a_party_of_seven_gets_several_rooms_of_one_hotel(rt, services):
    profile = {"name": "Henrik", "party_size": 7, "destination": "Rome", "preferences": [], "summary": "."}
    update = await retriever(await ticket_state(services, "1005", path="booking", profile=profile), rt)
    assert update["stage"] == "retrieved"
    for o in update["offers"]:
        assert o["city"] == "Rome" and o["capacity"] >= 7 and len(o["rooms"]) == 2
        assert o["price_per_night"] == sum(r["price_per_night"] for r in o["rooms"])
        assert all(ROOMS[r["room_id"]]["room"]["price_per_night"] == r["price_per_night"] for r in o["rooms"])


async def test_support_question_retrieves_the_policy(rt, services):
    update = await retriever(await ticket_state(services, "1007", path="support", stage="triaged"), rt)

    assert update["stage"] == "retrieved"
    assert update["policies"][0]["id"] == "pets"
    assert "20 EUR per pet per night" in update["policies"][0]["text"]
    assert "Pets" in update["log"][-1]["text"]


async def test_support_check_in_question_retrieves_check_in_times(rt, services):
    update = await retriever(await ticket_state(services, "1002", path="support", stage="triaged"), rt)
    assert update["stage"] == "retrieved"
    assert "check-in-times" in [p["id"] for p in update["policies"]]


async def test_support_question_the_kb_cannot_answer_escalates(rt, services):
    state = await ticket_state(services, "1002", path="support", stage="triaged")
    state["ticket"] = {**state["ticket"], "subject": "Football trivia",
                       "body": "Who won the football world cup in 1966?"}
    update = await retriever(state, rt)

    assert update["stage"] == "escalating"
    assert update["policies"] == []
    assert update["escalation"]["source"] == "retriever"
    assert update["escalation"]["reasons"]


async def test_when_nothing_fits_the_alternatives_name_what_they_break(rt, services):
    profile = {**LISBON_FOR_THREE, "budget_per_night": 100.0}
    update = await retriever(await ticket_state(services, "1001", path="booking", profile=profile), rt)

    assert update["stage"] == "retrieved"
    assert update["offers"]
    for o in update["offers"]:
        assert_grounded(o)
        assert o["city"] == "Lisbon" and o["capacity"] >= 3  # the city and the party are never bent
        assert "at most 100 EUR a night" in o["breaks"] and o["price_per_night"] > 100
    assert "No room in the inventory fits 3 guest(s) in Lisbon" in update["log"][-1]["text"]
    assert "Nearest alternatives" in update["log"][-1]["text"]
