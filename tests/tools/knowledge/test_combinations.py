"""Several rooms for a party: fewest rooms first, then the lowest total, never more of a type than it has."""

from __future__ import annotations

from concierge.tools.knowledge.combinations import MAX_ROOMS, cheapest_combination, combination_payload


def room(room_id: str, capacity: int, price: float, **extra) -> dict:
    return {"room_id": room_id, "room_name": room_id.title(), "doc_id": room_id, "capacity": capacity,
            "price_per_night": price, "hotel_id": "h", **extra}


def ids(rooms) -> list[str]:
    return [r["room_id"] for r in rooms]


def test_fewest_rooms_win_over_a_cheaper_total():
    rooms = [room("single", 1, 50), room("double", 2, 90), room("family", 4, 300)]
    assert ids(cheapest_combination(rooms, 7)) == ["family", "family"]  # 2 rooms at 600, not 3 at 440


def test_the_cheapest_of_equally_few_rooms():
    rooms = [room("double", 2, 100), room("triple", 3, 120), room("family", 4, 250)]
    assert ids(cheapest_combination(rooms, 6)) == ["triple", "triple"]


def test_a_types_count_limits_how_often_it_is_taken():
    rooms = [room("double", 2, 100), room("family", 4, 200, count=1)]
    assert ids(cheapest_combination(rooms, 8)) == ["double", "double", "family"]
    assert cheapest_combination([room("single", 1, 50)], MAX_ROOMS + 1) is None


def test_the_payload_names_each_room_and_sums_seats_and_prices():
    payload = combination_payload([room("double", 2, 100), room("double", 2, 100), room("family", 4, 200)])
    assert payload["room_id"] == "double+double+family"
    assert payload["room_name"] == "2 × Double + Family"
    assert (payload["capacity"], payload["price_per_night"]) == (8, 400)
    assert [r["price_per_night"] for r in payload["rooms"]] == [100, 100, 200] and payload["doc_ids"] == ["double", "family"]
