"""The embedded voice provider: a call simulator.

`place_call` records the call as a real provider would queue it. `play` then acts out the
conversation between the assistant (from the call's offers) and a scripted customer persona, and
returns a Vapi-shaped `end-of-call-report` webhook body for the call-completed route.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from concierge.keys import keyed_digest
from concierge.tools.voice.base import CallRequest
from concierge.tools.voice.outcome import OUTCOME_NAME

Persona = Literal["books", "haggles", "above_cap", "frustrated", "transfer", "voicemail", "no_answer", "busy"]
PERSONAS: tuple[str, ...] = get_args(Persona)


class CallSimulator:
    name = "simulator"
    retry_safe = True  # one file per call id: placing the same call again rewrites it

    def __init__(self, folder: Path, *, key: str) -> None:
        self.folder = folder
        self.key = key

    async def place_call(self, request: CallRequest) -> str:
        # Keyed: the same request gets the same id, and nobody can compute a thread's call id.
        call_id = "sim-" + keyed_digest(self.key, "call", request.idempotency_key)
        record = {"id": call_id, "status": "queued", "request": request.model_dump(), "created_at": _iso(_now())}
        await asyncio.to_thread(self._write, self.folder / f"{call_id}.json", record)
        return call_id

    def _write(self, path: Path, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=1))

    def pending_calls(self) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(
            p.stem for p in self.folder.glob("sim-*.json") if json.loads(p.read_text())["status"] == "queued"
        )

    def play(self, call_id: str, persona: Persona) -> dict[str, Any]:
        """Act the call out and return the provider webhook body; the call is then marked ended."""
        path = self.folder / f"{call_id}.json"
        record = json.loads(path.read_text())
        request = CallRequest.model_validate(record["request"])
        turns, ended_reason, success = _conversation(request, persona)
        started = _now()
        messages, t = [], 0.0
        for role, text in turns:
            messages.append({"role": role, "message": text, "time": int((started.timestamp() + t) * 1000), "secondsFromStart": t})
            t += 4.0 + len(text) / 18
        transcript = "\n".join(f"{'AI' if role == 'bot' else 'User'}: {text}" for role, text in turns)
        record["status"] = "ended"
        self._write(path, record)
        return {
            "message": {
                "type": "end-of-call-report",
                "timestamp": int(_now().timestamp() * 1000),
                "endedReason": ended_reason,
                "call": {"id": call_id, "type": "outboundPhoneCall", "status": "ended", "customer": {"number": request.to}},
                "startedAt": _iso(started),
                "endedAt": _iso(started + timedelta(seconds=t)),
                "cost": round(0.05 + t / 600, 2),
                **({"destination": {"type": "number", "number": "the escalation line"}}
                   if ended_reason == "assistant-forwarded-call" else {}),
                "artifact": {"transcript": transcript, "messages": messages, "recordingUrl": None,
                             "structuredOutputs": {f"so-{call_id}": {"name": OUTCOME_NAME, "result": {"booked": success}}}},
                "analysis": {"summary": _summary(request, persona), "successEvaluation": "true" if success else "false"},
            }
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.0f} {'euros' if currency == 'EUR' else 'pounds' if currency == 'GBP' else currency}"


def _conversation(request: CallRequest, persona: Persona) -> tuple[list[tuple[str, str]], str, bool]:
    first = request.customer_name.split()[0] if request.customer_name else "there"
    if persona == "no_answer" or not request.offers:
        return [], "customer-did-not-answer", False
    if persona == "busy":
        return [], "customer-busy", False
    if persona == "voicemail":
        return [("bot", f"Hello {first}, this is the travel team about your trip. "
                        "We'll try you again later, or just reply to our email.")], "voicemail", False
    top = request.offers[0]
    pitch = (
        f"We emailed you a few options. The one I'd recommend is the {top['room_name']} at {top['hotel_name']} "
        f"in {top['city']}, at {_money(top['price_per_night'], top['currency'])} a night. Shall I book it for you?"
    )
    turns: list[tuple[str, str]] = [("bot", request.first_message), ("user", f"Hi, yes, this is {first}."), ("bot", pitch)]
    if persona == "books":
        turns += [
            ("user", "Yes, that sounds perfect. Please book it for the dates I mentioned."),
            ("bot", f"Done: the {top['room_name']} at {top['hotel_name']} is reserved. You'll get a confirmation email shortly."),
            ("user", "Great, thank you so much!"),
            ("bot", "My pleasure. Have a wonderful trip!"),
        ]
        return turns, "assistant-ended-call", True
    if persona == "haggles":  # objects to the price, accepts the largest discount the cap allows
        cap = request.max_discount_pct
        discounted = top["price_per_night"] * (1 - cap / 100)
        turns += [
            ("user", "Hmm, that's more than we wanted to spend. Can you do any better on the price?"),
            ("bot", f"I can take {cap:g}% off for you: {_money(discounted, top['currency'])} a night."),
            ("user", "Yes, that sounds perfect. Please book it for the dates I mentioned."),
            ("bot", f"Done: the {top['room_name']} at {top['hotel_name']} is reserved at the reduced rate."),
        ]
        return turns, "assistant-ended-call", True
    if persona == "above_cap":  # wants more off than the cap allows, and declines without it
        turns += [
            ("user", "I'd only do it at forty percent off. Can you do that?"),
            ("bot", f"I'm sorry, the most I can offer is {request.max_discount_pct:g}% off."),
            ("user", "Then we'll leave it for now, it's over our budget."),
            ("bot", "I understand. The offer stays in your inbox if you change your mind."),
        ]
        return turns, "customer-ended-call", False
    if persona == "transfer":
        turns += [
            ("user", "No. I'm not happy, I want to speak to a real person, not a robot."),
            ("bot", "Of course. I'm connecting you to a colleague now, please stay on the line."),
        ]
        return turns, "assistant-forwarded-call", False
    turns += [
        ("user", "Honestly this is the third time I've had to explain what we need. This is ridiculous."),
        ("bot", "I'm sorry about that. I can look at other options for you right now."),
        ("user", "No. I'm not happy, I want to speak to a real person, not a robot."),
        ("bot", "I understand. I'll ask a member of our team to contact you today."),
    ]
    return turns, "customer-ended-call", False


def _summary(request: CallRequest, persona: Persona) -> str:
    if persona == "books" and request.offers:
        top = request.offers[0]
        return f"The customer booked the {top['room_name']} at {top['hotel_name']}."
    if persona == "haggles" and request.offers:
        return f"The customer booked the {request.offers[0]['room_name']} with a {request.max_discount_pct:g}% discount."
    if persona == "above_cap":
        return "The customer asked for a discount above the cap and declined the offer."
    if persona in ("frustrated", "transfer"):
        return "The customer was frustrated and asked for a human agent; nothing was booked."
    if persona in ("voicemail", "busy"):
        return f"The call reached {'voicemail' if persona == 'voicemail' else 'a busy line'}."
    return "The customer did not answer."
