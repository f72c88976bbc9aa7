"""Retriever: inventory matching the profile (booking) or policy passages answering the question (support)."""

from __future__ import annotations

import re

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.tools.knowledge import RoomSearch, StayRequest


def room_query(profile: dict) -> str:
    """The semantic part of the search; hard constraints go to filters."""
    required = [c.partition(":")[2] for c in (profile.get("constraints") or {}).get("required") or [] if c.startswith("facility:")]
    wishes = ", ".join(dict.fromkeys([*required, *(profile.get("preferences") or [])]))
    party = profile.get("party_size")
    return " ".join(
        p for p in [
            f"Hotel room in {profile['destination']}" if profile.get("destination") else "Hotel room",
            f"for {party} guests" if party else "",
            f"with {wishes}" if wishes else "",
            "quiet, away from nightlife" if profile.get("past_friction") and "quiet" in (profile.get("preferences") or []) else "",
        ] if p
    )


def support_query(ticket: dict) -> str:
    """The subject and the questions asked; greetings and back-story only blur the search."""
    questions = [s for s in re.split(r"(?<=[.!?])\s+|\n+", ticket["body"]) if s.strip().endswith("?")]
    return f"{ticket['subject']}. {' '.join(questions) or ticket['body']}"


async def retriever(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    kb, k = services.kb, services.settings.retrieval_top_k
    if state.get("path") == "support":
        policies = await kb.asearch_policies(support_query(state["ticket"]), k=2)
        if not policies:
            return {"policies": [], "stage": "escalating", "log": log("retriever", "no policy answers the question"),
                    "escalation": {"reasons": ["The knowledge base has no answer to the customer's question."], "source": "retriever"}}
        titles = ", ".join(p.title for p in policies)
        return {"policies": [p.model_dump() for p in policies], "stage": "retrieved", "log": log("retriever", f"policies: {titles}")}

    profile = state.get("profile") or {}
    search = await find_offers(kb, profile, k)
    if search.offers:
        names = "; ".join(f"{o.hotel_name} {o.room_name} {o.price_per_night:.0f} {o.currency}" for o in search.offers)
        return {"offers": [o.model_dump() for o in search.offers], "stage": "retrieved", "log": log("retriever", names)}
    where = profile.get("destination") or "the requested destination"
    reason = f"No room in the inventory fits {profile.get('party_size') or 'the'} guest(s) in {where}"
    asked = [label for label, _, _ in StayRequest.from_profile(profile).hard_conditions()]
    reason += f" with every requirement ({'; '.join(asked)})." if asked else "."
    if search.alternatives:  # said honestly: each alternative names what it breaks
        names = "; ".join(f"{o.hotel_name} (breaks: {', '.join(o.breaks)})" for o in search.alternatives)
        return {"offers": [o.model_dump() for o in search.alternatives], "stage": "retrieved",
                "log": log("retriever", f"{reason} Nearest alternatives: {names}")}
    return {"offers": [], "stage": "escalating", "log": log("retriever", reason),
            "escalation": {"reasons": [reason], "source": "retriever"}}


async def find_offers(kb, profile: dict, k: int) -> RoomSearch:
    """Rooms for the profile: its hard constraints filter, its wishes rank."""
    return await kb.afind_rooms(room_query(profile), StayRequest.from_profile(profile), k)
