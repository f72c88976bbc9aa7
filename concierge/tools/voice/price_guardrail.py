"""Price guardrail on what the voice agent said: every amount and discount it spoke is checked against
the offers and the discount cap, so a booking is never closed at a price the company did not set.

An amount passes when it is a stay of 1–30 nights in one of the offered rooms (same currency), at the
list price or at most `max_discount_pct` below it. A discount passes when it is at most the cap.
Amounts and percentages are read however they are said (`tools.money`: "€160", "one hundred and
sixty euros", "ninety percent"). Only the assistant's own turns are read: what the customer says,
whatever "Agent:" it contains, is theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from concierge.tools.money import Amount, amounts, percentages

_DISCOUNT_WORDS = re.compile(r"\b(off|discount\w*|reduction|reduced|cheaper|less|half)\b", re.I)
MAX_NIGHTS = 30


def assistant_lines(report: Mapping[str, Any]) -> list[str]:
    """What the assistant said on the call, turn by turn (from the report's structured turns)."""
    return [t["text"] for t in report.get("turns") or [] if t.get("speaker") == "assistant"]


def spoken_amounts(line: str) -> list[Amount]:
    return amounts(line)


def allowed_for(amount: float, currency: str, offer: Mapping[str, Any], max_discount_pct: float) -> bool:
    """`amount` is a stay of 1–30 nights in `offer`, between the capped discount and the list price."""
    if offer.get("currency") != currency:
        return False
    price = float(offer["price_per_night"])
    return any(price * n * (1 - max_discount_pct / 100) - 0.5 <= amount <= price * n + 0.5 for n in range(1, MAX_NIGHTS + 1))


def _allowed(amount: float, currency: str, offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> bool:
    return any(allowed_for(amount, currency, offer, max_discount_pct) for offer in offers)


def unsupported(said: list[Amount], offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> list[tuple[float, str]]:
    """The amounts of one line that no offer supports. An offer of several rooms is priced by its total
    (`price_per_night`); one room's own price passes only beside an allowed total of that offer in
    the same line ("the suite is 245 and the triple 215, 460 a night"), never as the price of the booking."""
    offers = list(offers)

    def room_price(amount: float, currency: str) -> bool:
        return any(o.get("rooms") and any(allowed_for(a, c, o, max_discount_pct) for a, c in said)
                   and any(allowed_for(amount, currency, {**r, "currency": o.get("currency")}, max_discount_pct) for r in o["rooms"])
                   for o in offers)

    return [(a, c) for a, c in said if not _allowed(a, c, offers, max_discount_pct) and not room_price(a, c)]


def price_violations(said: Iterable[str], offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> list[str]:
    """What the assistant said (`said`, its turns) that no offer and no allowed discount supports,
    quoted; empty when all is well."""
    offers = list(offers)
    violations = []
    for line in said:
        quoted = line.strip()
        for amount, currency in unsupported(spoken_amounts(line), offers, max_discount_pct):
            violations.append(f"The agent quoted {amount:g} {currency}, which matches no offered room at an allowed price: “{quoted}”")
        discounts = percentages(line) if _DISCOUNT_WORDS.search(line) else ()  # "100% sure" is no discount
        for pct in discounts:
            if pct > max_discount_pct:
                violations.append(f"The agent offered {pct:g}% (the cap is {max_discount_pct:g}%): “{quoted}”")
    return violations


def analysis_violations(analysis: Mapping[str, Any], offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> list[str]:
    """What a call analysis (the LLM's reading) claims that the offers do not support: a booked room that
    was never offered, an agreed price or discount outside the offers and the cap. The model may have been
    talked into it by the transcript; the knowledge base and the cap decide."""
    offers = list(offers)
    problems = []
    room = analysis.get("booked_room_id")
    if analysis.get("booked") and room and room not in {o.get("room_id") for o in offers}:
        problems.append(f"The call analysis names room {room!r}, which was not offered.")
    price = str(analysis.get("agreed_price") or "")
    for amount, currency in spoken_amounts(price):
        if not _allowed(amount, currency, offers, max_discount_pct):
            problems.append(f"The agreed price “{price}” matches no offered room at an allowed price.")
    for pct in percentages(price):
        if pct > max_discount_pct:
            problems.append(f"The agreed price “{price}” carries {pct:g}% off (the cap is {max_discount_pct:g}%).")
    return problems
