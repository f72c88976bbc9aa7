"""Searches on the session knowledge base (the demo inventory in Qdrant local mode)."""

from __future__ import annotations

import json

from concierge.settings import PACKAGE_DATA
from concierge.tools.knowledge import load_inventory
from tests.agents.helpers import CITIES, INVENTORY, ROOMS

N_ROOMS = sum(len(h["rooms"]) for h in INVENTORY["hotels"])
N_DOCS = N_ROOMS + len(INVENTORY["policies"])


def test_every_room_and_policy_is_ingested(kb):
    assert kb.count() == N_DOCS
    assert kb.destinations() == CITIES


def test_quiet_lisbon_rooms_for_three_within_budget(kb):
    offers = kb.search_rooms("Hotel room in Lisbon for 3 guests with quiet", city="Lisbon", min_capacity=3,
                             max_price=260, currency="EUR", preferences=["quiet"], k=3)

    assert offers
    for o in offers:
        room = ROOMS[o.room_id]
        assert o.price_per_night == room["room"]["price_per_night"]
        assert o.city == "Lisbon" and o.capacity >= 3 and o.price_per_night <= 260 and o.quiet
    assert len({o.hotel_id for o in offers}) == len(offers)  # one room per hotel
    # Exactly the hotels that have such a room: Estrela Garden and Casa Alfama, not the noisy Bairro Alto
    # nor Tejo Lumen (its triple costs 395).
    expected = {h["id"] for h in INVENTORY["hotels"] if h["city"] == "Lisbon" and h.get("quiet")
                and any(r["capacity"] >= 3 and r["price_per_night"] <= 260 for r in h["rooms"])}
    assert {o.hotel_id for o in offers} == expected


def test_without_the_quiet_wish_the_lively_hotel_can_be_offered(kb):
    offers = kb.search_rooms("Hotel room in Lisbon for 3 guests near the nightlife", city="Lisbon", min_capacity=3,
                             max_price=260, currency="EUR", preferences=[], k=5)
    assert "lisbon-noite-bairro-alto" in {o.hotel_id for o in offers}


def test_barcelona_rooms_with_a_pool(kb):
    offers = kb.search_rooms("Hotel room in Barcelona for 2 guests with pool", city="Barcelona", min_capacity=2,
                             max_price=250, currency="EUR", preferences=["pool"], k=3)
    assert offers
    for o in offers:
        assert o.city == "Barcelona" and "pool" in o.amenities and o.price_per_night <= 250
    assert {o.hotel_id for o in offers} == {"barcelona-salt-house", "barcelona-pati-gracia"}


def test_an_unknown_city_finds_nothing(kb):
    assert kb.search_rooms("Hotel room in Tokyo", city="Tokyo", k=3) == []


def test_the_dog_question_ranks_the_pets_policy_first(kb):
    passages = kb.search_policies("can I bring my dog")
    assert passages and passages[0].id == "pets"
    assert passages[0].text == next(p["text"] for p in INVENTORY["policies"] if p["id"] == "pets")


def test_a_question_outside_the_policies_finds_no_passage(kb):
    assert kb.search_policies("Who won the football world cup in 1966?") == []


async def test_async_facades_return_the_same_results(kb):
    assert await kb.adestinations() == kb.destinations()
    assert [p.id for p in await kb.asearch_policies("can I bring my dog")] == [p.id for p in kb.search_policies("can I bring my dog")]


def test_reingesting_updates_in_place(kb, tmp_path):
    # Re-ingest part of the same inventory (a hotel and a policy): the ids are stable, so the count does not grow.
    subset = {"hotels": INVENTORY["hotels"][:1], "policies": INVENTORY["policies"][:1]}
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(subset))
    ingested = kb.ingest(path)
    assert ingested == len(subset["hotels"][0]["rooms"]) + 1
    assert kb.count() == N_DOCS
    assert kb.ingest(path) == ingested
    assert kb.count() == N_DOCS
    assert kb.ensure_ingested() == 0  # a filled collection is not ingested again


def test_load_inventory_keeps_every_quoted_field():
    docs = load_inventory(PACKAGE_DATA / "inventory.json")
    assert len(docs) == N_DOCS
    room = next(d for d in docs if d.metadata["doc_id"] == "lisbon-estrela-garden-triple")
    assert room.metadata["price_per_night"] == 160 and room.metadata["currency"] == "EUR"
    assert room.metadata["quiet"] is True and "Estrela Garden Residence" in room.page_content
    assert json.loads(json.dumps(room.metadata)) == room.metadata  # plain JSON payload
