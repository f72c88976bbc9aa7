"""Parse reply: read the customer's latest email for a phone number, and for anger.

A reply that is upset or asks for a person escalates; a reply without a usable number gets one
follow-up email, and a second miss escalates.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.agents.triage import triage_prompt
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.privacy import mask_phone
from concierge.schemas import TriageDecision
from concierge.tools.llm import structured
from concierge.tools.email.inbound.reply_text import own_words
from concierge.tools.phone import extract_phone

MAX_PHONE_MISSES = 2


async def parse_reply(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    reply = state["replies"][-1]
    text = own_words(reply.get("text") or "")
    mood = await structured(
        services.llm, TriageDecision, triage_prompt(services.settings.company_name),
        "Triage this reply to our offer email.", {"ticket": {"subject": reply.get("subject") or "", "body": text}},
    )
    # Only anger or a request for a person escalates a reply; an off-topic reply still gets the phone follow-up.
    if mood.path == "escalate" and mood.sentiment in ("negative", "angry"):
        reasons = mood.escalation_reasons or [mood.rationale]
        return {"stage": "escalating", "escalation": {"reasons": reasons, "source": "reply"},
                "log": log("parse_reply", "reply is upset or asks for a person")}

    phone = extract_phone(text, services.settings.default_phone_region)
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
