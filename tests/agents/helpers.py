"""Helpers the node tests share: real services around a scripted LLM, and states built from real data."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from concierge.graph.context import Context
from concierge.settings import PACKAGE_DATA

INVENTORY = json.loads((PACKAGE_DATA / "inventory.json").read_text())
ROOMS = {
    r["id"]: {"hotel": h, "room": r} for h in INVENTORY["hotels"] for r in h["rooms"]
}
POLICIES = {p["id"]: p for p in INVENTORY["policies"]}
CITIES = sorted({h["city"] for h in INVENTORY["hotels"]})

_DATA = re.compile(r"<data>\s*(.*?)\s*</data>", re.S)
_SPEAKERS = {"ai": "assistant", "bot": "assistant", "assistant": "assistant", "agent": "assistant", "user": "customer",
             "customer": "customer"}


def labelled_turns(transcript: str) -> list[dict[str, str]]:
    """Test shorthand: "AI: …" / "User: …" lines written as the structured turns a provider sends
    (production never reads speakers from labels in text)."""
    turns = []
    for line in transcript.splitlines():
        who, _, text = line.partition(":")
        turns.append({"speaker": _SPEAKERS[who.strip().lower()], "text": text.strip()})
    return turns


def runtime_for(services: Any) -> SimpleNamespace:
    """What a node reads from LangGraph's Runtime: only `.context`."""
    return SimpleNamespace(context=Context(services=services))


def offer(room_id: str, score: float = 0.5) -> dict[str, Any]:
    """An offer exactly as the knowledge base returns it, built from the inventory file."""
    h, r = ROOMS[room_id]["hotel"], ROOMS[room_id]["room"]
    return {
        "hotel_id": h["id"], "hotel_name": h["name"], "room_id": r["id"], "room_name": r["name"], "city": h["city"],
        "area": h.get("area", ""), "capacity": r["capacity"], "price_per_night": float(r["price_per_night"]),
        "currency": r["currency"], "amenities": h.get("amenities", []), "features": r.get("features", []),
        "quiet": bool(h.get("quiet", False)), "refundable": r.get("refundable", True), "score": score,
    }


def policy(policy_id: str) -> dict[str, Any]:
    p = POLICIES[policy_id]
    return {"id": p["id"], "title": p["title"], "text": p["text"], "score": 0.5}


async def ticket_state(services: Any, ticket_id: str, **extra: Any) -> dict[str, Any]:
    """A thread state as intake leaves it, from the seeded local helpdesk."""
    ticket = await services.helpdesk.get_ticket(ticket_id)
    history = await services.helpdesk.customer_history(ticket)
    return {
        "thread_id": f"local:{ticket_id}",
        "ticket": ticket.model_dump(),
        "history": [t.model_dump() for t in history],
        "phone_misses": 0,
        **extra,
    }


def sent_data(llm: Any, schema: str) -> list[dict[str, Any]]:
    """The <data> payloads the scripted LLM received for `schema`, in order."""
    payloads = []
    for name, messages in llm.calls:
        if name != schema:
            continue
        match = _DATA.search(messages[-1].content)
        assert match, "the step did not send its material inside a <data> block"
        payloads.append(json.loads(match.group(1)))
    return payloads


def outbox(folder: Path) -> list[email.message.EmailMessage]:
    if not folder.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*.eml"))]


def alert_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def call_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def apply(state: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Merge a node's update the way the graph's reducers do (append for the list channels)."""
    appended = {"emails", "replies", "calls", "log"}
    merged = dict(state)
    for key, value in update.items():
        merged[key] = (state.get(key) or []) + value if key in appended else value
    return merged
