"""Offline call analysis, read from the call's turns: booked or not, the offer chosen, the price
agreed, frustration, and the customer's own words for a human.

The turns come from the provider's structured messages (`CallTurn`: customer or assistant), so
words the customer says never count as the assistant's, whatever "Agent:" they contain. A learned
head (`call_turn`) reads each assistant sentence as a success notice, a failure notice or neither:
the call is booked when the assistant's last notice is a success. A question or a request to
confirm ("Shall I book it?", "Please confirm: one room from the 14th") reports nothing, so it is
never a notice. The provider's verdict can veto a booking but never makes one. A request for a
person or clear frustration always goes to a human.
"""

from __future__ import annotations

import re
from typing import Any

from concierge.tools.llm.offline.learned import head
from concierge.tools.llm.offline.text import sentences
from concierge.tools.llm.offline.triage import asks_for_a_person

CALL_FRUSTRATION = re.compile(
    r"\b(ridiculous|unacceptable|not happy|fed up|waste of (my )?time|stop calling|never again|forget it|"
    r"complain\w*|annoy\w*|frustrat\w*|angry|furious|upset|rubbish|terrible|this is the (second|third))\b",
    re.I,
)
PROVIDER_YES = {"true", "pass", "yes", "success", "successful"}
PROVIDER_NO = {"false", "fail", "no", "failure", "unsuccessful"}
# An agent asking, or asking the customer to confirm, states no result; the head alone confuses
# "Please confirm the reservation at X" with "Your reservation at X is confirmed".
ASKS = re.compile(
    r"\?\s*$|^(?:ok(?:ay)?,?\s+|so,?\s+|and\s+)?(?:just\s+to\s+confirm|please,?\s+(?:confirm|tell|let)|confirm(?:ing)?\b|"
    r"(?:can|could|would|will|shall|should|do|does|did|is|are|may)\s+(?:you|i|we|that|this|it|there)\b|"
    r"(?:what(?!\s+an?\b)|how(?!\s+(?:nice|great|lovely|wonderful)\b)|when|where|which|who)\b|tell me|let me know)",
    re.I,
)
AMOUNT = re.compile(r"(?:€|£|\$)\s?\d[\d,]*(?:\.\d{2})?|\b\d[\d,]*(?:\.\d{2})?\s?(?:euros?|pounds?|dollars?|EUR|GBP|USD)\b", re.I)


def spoken(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(speaker, text) of every turn in `data["turns"]`, speaker `customer` or `assistant`."""
    return [(t["speaker"], t["text"]) for t in data.get("turns") or []
            if t.get("speaker") in ("customer", "assistant") and t.get("text")]


def booking_notice(assistant_lines: list[str]) -> tuple[str | None, str | None]:
    """The last success or failure notice among the assistant's sentences, and its words.

    Sentences, not whole turns: "Reservation successful. The address is 11 Howard Street." holds a
    notice that the rest of the turn would dilute."""
    said = [s for line in assistant_lines for s in sentences(line) if not asks(s)]
    if not said:
        return None, None
    last: tuple[str | None, str | None] = (None, None)
    for line, probs in zip(said, head("call_turn").scores(said), strict=True):
        kind = max(probs, key=probs.__getitem__)
        if kind != "other":
            last = (kind, line)
    return last


def asks(sentence: str) -> bool:
    """A question or a request to confirm: it reports no outcome."""
    return bool(ASKS.search(sentence))


def provider_verdict(value: Any) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    return True if text in PROVIDER_YES else False if text in PROVIDER_NO else None


def analyse_call(data: dict[str, Any]) -> dict[str, Any]:
    turns = spoken(data)
    customer = [t for who, t in turns if who == "customer"]
    assistant = [t for who, t in turns if who == "assistant"]
    upset = [line for line in customer if CALL_FRUSTRATION.search(line)]
    wants_person = [line for line in customer if asks_for_a_person(line)]
    notice, notice_words = booking_notice(assistant)
    read_booked = notice == "success"
    verdict = provider_verdict(data.get("success_evaluation"))

    reasons = [f"Customer asks for a person on the call: “{line}”" for line in wants_person]
    reasons += [f"Customer on the call: “{line}”" for line in upset if line not in wants_person]
    if verdict is False and read_booked:
        reasons.append(f"The provider reports no success, but the assistant said: “{notice_words}”")
    # Only the assistant's own notice books; the provider's "success" alone never does, its "failure" always stands.
    booked = read_booked and verdict is not False
    if not turns:
        reasons.append(f"The customer said nothing on the call (ended: {data.get('ended_reason') or 'unknown'}).")
    elif not booked and not reasons:
        reasons.append(f"The call ended without a booking: “{notice_words}”" if notice == "failure"
                       else "The call ended without a booking.")

    offer = chosen_offer(data.get("offers") or [], notice_words or "", " ".join(assistant))
    frustrated = bool(upset or wants_person)
    verdict_text = "Booked" if booked else ("Customer frustrated" if frustrated else "No booking")
    return {
        "booked": booked,
        "frustrated": frustrated,
        "reasons": reasons if (frustrated or not booked) else [],
        "booked_room_id": offer.get("room_id") if booked and offer else None,
        "agreed_price": _agreed_price(notice_words or "", offer) if booked else None,
        "summary": f"{verdict_text}. {data.get('provider_summary') or ''}".strip(),
    }


def confirmation(turns: list[dict[str, Any]], offers: list[dict[str, Any]]) -> tuple[dict[str, Any], str] | None:
    """The offer the assistant itself confirmed as booked, and its words; None when it confirmed none.

    The assistant's last notice must be a success, and the offer must be named in it or, failing
    that, be the last offer the assistant named on the call."""
    assistant = [text for who, text in spoken({"turns": turns}) if who == "assistant"]
    notice, words = booking_notice(assistant)
    if notice != "success" or not words:
        return None
    offer = chosen_offer(offers, words, " ".join(assistant))
    return (offer, words) if offer else None


def chosen_offer(offers: list[dict[str, Any]], notice: str, said: str) -> dict[str, Any] | None:
    """The offer named in the booking notice, else the last one named in `said`: by its hotel, and by
    its room among offers of one hotel."""
    for text in (notice.lower(), said.lower()):
        named = []
        for o in offers:
            at = text.rfind(o.get("hotel_name", "").lower()) if o.get("hotel_name") else -1
            if at >= 0:
                room = o.get("room_name", "").lower()
                named.append((bool(room) and room in text, at, o))
        if named:
            return max(named, key=lambda n: (n[0], n[1]))[2]
    return None


def _agreed_price(notice: str, offer: dict[str, Any] | None) -> str | None:
    """A price said in the booking notice, else the chosen offer's price per night."""
    amount = AMOUNT.search(notice)
    if amount:
        return amount.group(0)
    if offer and offer.get("price_per_night") is not None:
        return f"{offer['price_per_night']:g} {offer.get('currency', '')} per night".strip()
    return None
