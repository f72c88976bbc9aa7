"""Parse reply: read the customer's latest email for a phone number, and for anger.

A reply that is upset or asks for a person escalates; a reply without a usable number gets one
follow-up email, and a second miss escalates.
"""

from __future__ import annotations

import asyncio
import re

from langgraph.runtime import Runtime

from concierge.agents.triage import triage_prompt
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.privacy import mask_phone
from concierge.schemas import TriageDecision
from concierge.tools.llm import structured
from concierge.tools.phone import extract_phone

MAX_PHONE_MISSES = 2
# What a reply's own words reasonably hold; more is pasted material, and parsing it would only cost time.
MAX_READ_CHARS = 20_000


_QUOTE_HEADER = re.compile(r"^(On .+ wrote:|-{2,}\s*Original Message\s*-{2,}|From: .+)$", re.I)


def own_words(text: str) -> str:
    """The reply without the quoted earlier messages (our own emails carry numbers that are not the customer's)."""
    lines = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip()


async def parse_reply(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    reply = state["replies"][-1]
    text = own_words(reply.get("text") or "")[:MAX_READ_CHARS]
    mood = await structured(
        services.llm, TriageDecision, triage_prompt(services.settings.company_name),
        "Triage this reply to our offer email.", {"ticket": {"subject": reply.get("subject") or "", "body": text}},
    )
    # Only anger or a request for a person escalates a reply; an off-topic reply still gets the phone follow-up.
    if mood.path == "escalate" and mood.sentiment in ("negative", "angry"):
        reasons = mood.escalation_reasons or [mood.rationale]
        return {"stage": "escalating", "escalation": {"reasons": reasons, "source": "reply"},
                "log": log("parse_reply", "reply is upset or asks for a person")}

    phone = await asyncio.to_thread(extract_phone, text, services.settings.default_phone_region)  # CPU work, off the loop
    if phone:
        return {"phone": phone, "phone_misses": 0, "stage": "phone_found",
                "log": log("parse_reply", f"phone number found: {mask_phone(phone)}")}
    misses = state.get("phone_misses", 0) + 1
    if misses >= MAX_PHONE_MISSES:
        return {"phone_misses": misses, "stage": "escalating",
                "escalation": {"reasons": [f"No usable phone number after {misses} replies; last reply: “{text.strip()[:200]}”"],
                               "source": "reply"},
                "log": log("parse_reply", f"no phone number ({misses} misses)")}
    return {"phone_misses": misses, "stage": "phone_missing", "log": log("parse_reply", "no phone number in the reply")}
