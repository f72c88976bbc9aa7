"""Tools the voice assistant calls while on the phone, answered from the knowledge base.

`check_availability` lists real rooms for a city and party size; `quote_price` prices a stay in one
room, with a discount only up to the cap. Answers are short sentences the assistant can read out.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from concierge.schemas import Offer
from concierge.tools.knowledge import KnowledgeBase

TOOL_SCHEMAS: list[dict[str, Any]] = [
    {
        "name": "check_availability",
        "description": "Rooms we can offer in a city for a party size. Use before naming any other hotel or room.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City the customer wants to stay in"},
                "guests": {"type": "integer", "description": "Number of guests"},
                "wishes": {"type": "string", "description": "What matters to the customer, in their words"},
            },
            "required": ["city"],
        },
    },
    {
        "name": "quote_price",
        "description": "The exact price of a stay in one room. Never quote a price this tool did not give.",
        "parameters": {
            "type": "object",
            "properties": {
                "room": {"type": "string", "description": "Hotel and room name, or the room id"},
                "nights": {"type": "integer", "description": "Number of nights"},
                "discount_pct": {"type": "number", "description": "Discount the customer asked for, in percent"},
            },
            "required": ["room"],
        },
    },
]


class UnknownTool(ValueError):
    pass


def parse_arguments(arguments: Any) -> dict[str, Any]:
    """Providers send tool arguments as a JSON string or as an object; both become a dict."""
    if isinstance(arguments, dict):
        return arguments
    if isinstance(arguments, str) and arguments.strip():
        value = json.loads(arguments)
        if isinstance(value, dict):
            return value
        raise ValueError("tool arguments must be a JSON object")
    return {}


def _line(offer: Offer) -> str:
    if offer.rooms:  # several rooms of one hotel together: each priced, then the total
        each = ", ".join(f"{r.room_name} (sleeps {r.capacity}) {r.price_per_night:.0f} {offer.currency}" for r in offer.rooms)
        return (f"{len(offer.rooms)} rooms at {offer.hotel_name} ({offer.city}) together sleeping {offer.capacity}: {each}; "
                f"{offer.price_per_night:.0f} {offer.currency} a night in total, room id {offer.room_id}")
    return (f"{offer.room_name} at {offer.hotel_name} ({offer.city}), sleeps {offer.capacity}, "
            f"{offer.price_per_night:.0f} {offer.currency} a night, room id {offer.room_id}")


async def check_availability(kb: KnowledgeBase, args: dict[str, Any]) -> str:
    city = str(args.get("city") or "").strip()
    guests = int(args.get("guests") or 0) or None
    wishes = str(args.get("wishes") or "")
    offers = await kb.asearch_rooms(f"{wishes} room in {city}".strip(), city=city.title() or None, min_capacity=guests)
    if not offers:
        return f"No rooms available in {city or 'that city'} for that party."
    return "Available: " + "; ".join(_line(o) for o in offers) + "."


async def quote_price(kb: KnowledgeBase, args: dict[str, Any], max_discount_pct: float) -> str:
    room = str(args.get("room") or "").strip()
    if not room:
        return "Say which room to quote."
    nights = max(int(args.get("nights") or 1), 1)
    asked = float(args.get("discount_pct") or 0)
    if "+" in room:  # several rooms of one hotel, as check_availability names them
        offer = await asyncio.to_thread(kb.combination, room)
    else:
        candidates = await kb.asearch_rooms(room, k=5)
        offer = next((o for o in candidates if o.room_id == room), candidates[0] if candidates else None)
    if offer is None:
        return f"No room matches {room!r}; check availability first."
    discount = min(max(asked, 0.0), max_discount_pct)
    total = offer.price_per_night * nights * (1 - discount / 100)
    each = "".join(f"{r.room_name} {r.price_per_night:.0f} {offer.currency}, " for r in offer.rooms)
    quote = (f"{offer.room_name} at {offer.hotel_name}: {each}{offer.price_per_night:.0f} {offer.currency} a night"
             f"{' for all the rooms' if offer.rooms else ''}, "
             f"{nights} night{'s' if nights != 1 else ''}")
    if discount:
        quote += f", with {discount:g}% off: {total:.0f} {offer.currency} in total"
    else:
        quote += f": {total:.0f} {offer.currency} in total"
    if asked > max_discount_pct:
        quote += f". The most we can take off is {max_discount_pct:g}%; do not offer more"
    return quote + "."


async def answer_tool_call(kb: KnowledgeBase, name: str, arguments: Any, *, max_discount_pct: float) -> str:
    args = parse_arguments(arguments)
    if name == "check_availability":
        return await check_availability(kb, args)
    if name == "quote_price":
        return await quote_price(kb, args, max_discount_pct)
    raise UnknownTool(f"unknown tool {name!r}")
