"""What every provider's post-call analysis must return: the booking outcome in the customer's words."""

from __future__ import annotations

from typing import Any

SUMMARY_PROMPT = ("Summarise the call in two sentences: what was offered, what the customer decided, "
                  "and anything a colleague must follow up.")

OUTCOME_FIELDS: dict[str, tuple[str, str]] = {
    "booked": ("boolean", "The customer clearly confirmed a booking"),
    "chosen_room_id": ("string", "room id of the offer the customer chose, empty if none"),
    "check_in": ("string", "check-in date, YYYY-MM-DD, empty if not agreed"),
    "check_out": ("string", "check-out date, YYYY-MM-DD, empty if not agreed"),
    "agreed_price_per_night": ("number", "price per night agreed, 0 if none"),
    "discount_pct": ("number", "discount in percent the agent granted, 0 if none"),
    "frustrated": ("boolean", "The customer was upset or asked for a person"),
    "reasons": ("array", "Why a colleague should follow up, each quoting the customer's own words"),
}

OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        name: ({"type": kind, "description": text, "items": {"type": "string"}} if kind == "array"
               else {"type": kind, "description": text})
        for name, (kind, text) in OUTCOME_FIELDS.items()
    },
    "required": ["booked", "frustrated", "reasons"],
}

# Vapi: a transient structured output on `artifactPlan.structuredOutputs` (the successor of the older
# `analysisPlan.structuredDataPlan`, https://docs.vapi.ai/assistants/call-analysis); its result comes back in the
# end-of-call report's `artifact.structuredOutputs[<id>]` as {"name": OUTCOME_NAME, "result": {...}}.
OUTCOME_NAME = "booking_outcome"
VAPI_STRUCTURED_OUTPUT: dict[str, Any] = {
    "name": OUTCOME_NAME,
    "type": "ai",
    "description": "The booking outcome of the call, in the customer's words.",
    "schema": {**OUTCOME_SCHEMA, "properties": {**OUTCOME_SCHEMA["properties"],
                                                "summary": {"type": "string", "description": SUMMARY_PROMPT}}},
}

# Bland's analysis_schema maps each key to a type hint.
BLAND_ANALYSIS_SCHEMA: dict[str, str] = {
    name: "string[]" if kind == "array" else kind for name, (kind, _) in OUTCOME_FIELDS.items()
}
