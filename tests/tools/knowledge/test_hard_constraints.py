"""Property: over generated inventories and constraints, no offer breaks a hard constraint, and every
hotel with a fitting room is offered (so 'nothing fits' is said exactly when nothing does)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.embeddings import DeterministicFakeEmbedding

from concierge.tools.knowledge import KnowledgeBase, StayRequest
from concierge.tools.knowledge.constraints import Filter
from tests.conftest import make_settings

# Amenity strings as an inventory writes them, and the facility each one means (the test's own oracle).
AMENITIES = {"free parking": "parking", "free wifi": "internet", "outdoor pool": "pool", "pet friendly": "pet friendly",
             "wheelchair accessible": "wheelchair accessible"}
CITIES, AREAS, TYPES, RANGES = ["Lisbon", "Porto"], ["centre", "north", "east"], ["hotel", "guesthouse"], ["cheap", "moderate", "expensive"]

rooms = st.lists(st.fixed_dictionaries({"capacity": st.integers(1, 5), "price_per_night": st.integers(40, 400)}), min_size=1, max_size=3)
hotels = st.lists(st.fixed_dictionaries({
    "city": st.sampled_from(CITIES), "area": st.sampled_from(AREAS), "type": st.sampled_from(TYPES), "stars": st.integers(0, 5),
    "price_range": st.sampled_from(RANGES), "amenities": st.lists(st.sampled_from(sorted(AMENITIES)), unique=True),
    "quiet": st.booleans(), "rooms": rooms}), min_size=1, max_size=6)
constraint = st.one_of(st.sampled_from([f"area:{a}" for a in AREAS]), st.sampled_from([f"type:{t}" for t in TYPES]),
                       st.integers(0, 5).map(lambda n: f"stars:{n}"), st.integers(1, 5).map(lambda n: f"min_stars:{n}"),
                       st.sampled_from([f"price_range:{r}" for r in RANGES]),
                       st.sampled_from([f"facility:{f}" for f in [*AMENITIES.values(), "quiet"]]))
requests = st.builds(StayRequest, city=st.none() | st.sampled_from(CITIES), min_capacity=st.none() | st.integers(1, 5),
                     max_price=st.none() | st.integers(40, 400).map(float), required=st.lists(constraint, max_size=3),
                     excluded=st.lists(constraint, max_size=2))


def fits(hotel: dict, room: dict, request: StayRequest) -> bool:
    facilities = {AMENITIES[a] for a in hotel["amenities"]} | ({"quiet"} if hotel["quiet"] else set())

    def holds(c: str) -> bool:
        attribute, _, value = c.partition(":")
        if attribute in ("stars", "min_stars"):
            return hotel["stars"] == int(value) if attribute == "stars" else hotel["stars"] >= int(value)
        return value in facilities if attribute == "facility" else hotel[attribute] == value

    return ((request.city is None or hotel["city"] == request.city)
            and (request.min_capacity is None or room["capacity"] >= request.min_capacity)
            and (request.max_price is None or room["price_per_night"] <= request.max_price)
            and all(holds(c) for c in request.required) and not any(holds(c) for c in request.excluded))


@pytest.fixture(scope="module")
def shared_kb(tmp_path_factory):
    """One embedded store for every example (creating a shard and its indexes costs about a second)."""
    kb = KnowledgeBase(make_settings(tmp_path_factory.mktemp("prop")), embeddings=DeterministicFakeEmbedding(size=16))
    yield kb
    kb.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(hotels=hotels, request=requests)
def test_no_offer_breaks_a_hard_constraint(shared_kb, tmp_path, hotels, request):
    inventory = {"hotels": [{**h, "id": f"h{i}", "name": f"Hotel {i}",
                             "rooms": [{**r, "id": f"h{i}-r{j}", "name": f"Room {j}", "currency": "EUR"} for j, r in enumerate(h["rooms"])]}
                            for i, h in enumerate(hotels)]}
    by_room = {r["id"]: (h, r) for h in inventory["hotels"] for r in h["rooms"]}
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inventory))
    shared_kb.store.delete([pid for pid, _ in shared_kb.store.scroll(Filter())])  # the last example's rooms
    shared_kb.ingest(path)
    search = shared_kb.find_rooms("a room", request, k=len(hotels))

    for offer in search.offers:
        if not offer.rooms:
            assert fits(*by_room[offer.room_id], request), offer
            continue
        # several rooms together: each keeps every constraint but seats and price, which the whole keeps
        each = dataclasses.replace(request, min_capacity=None, max_price=None)
        assert all(fits(*by_room[r.room_id], each) for r in offer.rooms), offer
        assert offer.capacity == sum(r.capacity for r in offer.rooms) >= request.min_capacity
        assert request.max_price is None or offer.price_per_night <= request.max_price + 0.01
    expected = {h["id"] for h in inventory["hotels"] if any(fits(h, r, request) for r in h["rooms"])}
    assert {o.hotel_id for o in search.offers if not o.rooms} == expected
    assert search.nothing_fits == (not search.offers)
    for alternative in search.alternatives:
        assert alternative.breaks and not fits(*by_room[alternative.room_id], request)
