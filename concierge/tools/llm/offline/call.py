"""Offline call analysis: booked, frustrated, and the customer's own words for a human."""

from __future__ import annotations

import re
from typing import Any

CALL_FRUSTRATION = re.compile(
    r"\b(ridiculous|unacceptable|not happy|fed up|waste of (my )?time|stop calling|speak to (a |an )?(human|person|manager)|"
    r"real person|manager|this is the (second|third)|never again|too expensive|forget it|complain\w*|annoy\w*|"
    r"frustrat\w*|angry|upset|rubbish|terrible)\b",
    re.I,
)
AGREEMENT = re.compile(r"\b(yes|yeah|yep|perfect|great|sounds good|let'?s do it|go ahead|book it|please book|deal)\b", re.I)


def _customer_lines(transcript: str) -> list[str]:
    return [
        line.split(":", 1)[1].strip()
        for line in transcript.splitlines()
        if ":" in line and line.split(":", 1)[0].strip().lower() in {"user", "customer"}
    ]


def analyse_call(data: dict[str, Any]) -> dict[str, Any]:
    transcript = data.get("transcript", "")
    lines = _customer_lines(transcript)
    upset = [line for line in lines if CALL_FRUSTRATION.search(line)]
    agreed = any(AGREEMENT.search(line) for line in lines[-3:])
    success = str(data.get("success_evaluation", "")).strip().lower() in {"true", "pass", "yes", "success"}
    booked = bool(success and agreed and not upset)
    room = None
    if booked:
        spoken = transcript.lower()
        for offer in data.get("offers", []):
            if offer.get("hotel_name", "").lower() in spoken:
                room = offer.get("room_id")
                break
    ended = data.get("ended_reason", "")
    reasons = [f"Customer on the call: “{line}”" for line in upset]
    if not lines:
        reasons.append(f"The customer said nothing on the call (ended: {ended or 'unknown'}).")
    elif not booked and not upset:
        reasons.append("The call ended without a booking.")
    summary = data.get("provider_summary") or ""
    verdict = "Booked" if booked else ("Customer frustrated" if upset else "No booking")
    return {
        "booked": booked,
        "frustrated": bool(upset),
        "reasons": [] if booked else reasons,
        "booked_room_id": room,
        "summary": f"{verdict}. {summary}".strip(),
    }
