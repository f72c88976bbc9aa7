"""Retriever: inventory matching the profile (booking) or policy passages answering the question (support)."""

from __future__ import annotations

import re

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log


def room_query(profile: dict) -> str:
    """The semantic part of the search; hard constraints go to filters."""
    wishes = ", ".join(profile.get("preferences") or [])
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
    offers = await kb.asearch_rooms(
        room_query(profile), city=profile.get("destination"), min_capacity=profile.get("party_size"),
        max_price=profile.get("budget_per_night"), currency=profile.get("currency"),
        preferences=profile.get("preferences") or [], k=k,
    )
    if not offers:
        where = profile.get("destination") or "the requested destination"
        reason = f"No room in the inventory fits {profile.get('party_size') or 'the'} guest(s) in {where}."
        return {"offers": [], "stage": "escalating", "log": log("retriever", reason),
                "escalation": {"reasons": [reason], "source": "retriever"}}
    names = "; ".join(f"{o.hotel_name} {o.room_name} {o.price_per_night:.0f} {o.currency}" for o in offers)
    return {"offers": [o.model_dump() for o in offers], "stage": "retrieved", "log": log("retriever", names)}
