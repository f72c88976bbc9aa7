"""Several rooms of one hotel for a party no single room seats: fewest rooms, then the lowest total.

The inventory lists room types; a type may be taken more than once unless its `count` (rooms of
that type) says otherwise. A bigger group than MAX_ROOMS rooms seat is a group booking for a person.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

MAX_ROOMS = 8


def cheapest_combination(rooms: list[dict[str, Any]], party: int) -> list[dict[str, Any]] | None:
    """The rooms (payloads, a type repeated as often as taken) that seat `party` with the fewest rooms,
    then the lowest total a night; None when the hotel cannot seat the party in MAX_ROOMS rooms."""
    # state: (rooms taken, seats capped at the party) -> (total a night, room ids taken)
    best: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {(0, 0): (0.0, ())}
    by_id = {r["room_id"]: r for r in rooms}
    for room in sorted(by_id.values(), key=lambda r: r["room_id"]):
        if room["capacity"] < 1:
            continue
        most = int(room.get("count") or MAX_ROOMS)
        for (taken, seats), (total, ids) in list(best.items()):
            for n in range(1, min(most, MAX_ROOMS - taken) + 1):
                key = (taken + n, min(party, seats + n * room["capacity"]))
                value = (total + n * room["price_per_night"], ids + (room["room_id"],) * n)
                if key not in best or value < best[key]:
                    best[key] = value
    done = sorted((taken, value) for (taken, seats), value in best.items() if seats >= party and taken)
    return [by_id[i] for i in done[0][1][1]] if done else None


def combination_payload(rooms: list[dict[str, Any]]) -> dict[str, Any]:
    """One payload for rooms booked together: the hotel's fields, the rooms' ids joined with "+", their
    names, seats and prices summed (what hard constraints and offers read), and each room under `rooms`."""
    first = rooms[0]
    counts = Counter(r["room_id"] for r in rooms)
    names = {r["room_id"]: r["room_name"] for r in rooms}
    return {
        **first,
        "room_id": "+".join(r["room_id"] for r in rooms),
        "room_name": " + ".join(f"{n} × {names[i]}" if n > 1 else names[i] for i, n in counts.items()),
        "capacity": sum(r["capacity"] for r in rooms),
        "price_per_night": round(sum(r["price_per_night"] for r in rooms), 2),
        "features": list(dict.fromkeys(f for r in rooms for f in r.get("features") or [])),
        "refundable": all(r.get("refundable", True) for r in rooms),
        "doc_ids": list(dict.fromkeys(r["doc_id"] for r in rooms)),
        "rooms": [{"room_id": r["room_id"], "room_name": r["room_name"], "capacity": r["capacity"],
                   "price_per_night": r["price_per_night"]} for r in rooms],
    }
