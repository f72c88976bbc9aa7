"""Price guardrail on what the voice agent said: every amount and discount it spoke is checked against
the offers and the discount cap, so a booking is never closed at a price the company did not set.

An amount passes when it is a stay of 1–30 nights in one of the offered rooms (same currency), at the
list price or at most `max_discount_pct` below it. A discount passes when it is at most the cap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_CURRENCY_WORDS = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
                   "£": "GBP", "usd": "USD", "dollar": "USD", "dollars": "USD", "$": "USD"}
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
_AMOUNT_AFTER = re.compile(_NUMBER + r"\s*(eur|euros?|gbp|pounds?|usd|dollars?)\b", re.I)
_AMOUNT_BEFORE = re.compile(r"([€£$])\s?" + _NUMBER)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per ?cent)", re.I)
_DISCOUNT_WORDS = re.compile(r"\b(off|discount|reduction|cheaper|less)\b", re.I)
_AGENT = re.compile(r"^\s*(AI|bot|assistant|agent)\s*:", re.I)
MAX_NIGHTS = 30


def _value(whole: str, cents: str | None) -> float:
    return float(whole.replace(",", "")) + (float(f"0.{cents}") if cents else 0.0)


def agent_lines(transcript: str) -> list[str]:
    return [line.split(":", 1)[1] for line in transcript.splitlines() if _AGENT.match(line)]


def spoken_amounts(line: str) -> list[tuple[float, str]]:
    found = [(_value(m[1], m[2]), _CURRENCY_WORDS[m[3].lower()]) for m in _AMOUNT_AFTER.finditer(line)]
    found += [(_value(m[2], m[3]), _CURRENCY_WORDS[m[1]]) for m in _AMOUNT_BEFORE.finditer(line)]
    return found


def _allowed(amount: float, currency: str, offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> bool:
    for offer in offers:
        if offer.get("currency") != currency:
            continue
        price = float(offer["price_per_night"])
        for nights in range(1, MAX_NIGHTS + 1):
            full = price * nights
            if full * (1 - max_discount_pct / 100) - 0.5 <= amount <= full + 0.5:
                return True
    return False


def price_violations(transcript: str, offers: Iterable[Mapping[str, Any]], max_discount_pct: float) -> list[str]:
    """What the agent said that no offer and no allowed discount supports, quoted; empty when all is well."""
    offers = list(offers)
    violations = []
    for line in agent_lines(transcript):
        quoted = line.strip()
        for amount, currency in spoken_amounts(line):
            if not _allowed(amount, currency, offers, max_discount_pct):
                violations.append(f"The agent quoted {amount:g} {currency}, which matches no offered room at an allowed price: “{quoted}”")
        discounts = _PERCENT.finditer(line) if _DISCOUNT_WORDS.search(line) else ()  # "100% sure" is no discount
        for match in discounts:
            if float(match[1]) > max_discount_pct:
                violations.append(f"The agent offered {match[1]}% (the cap is {max_discount_pct:g}%): “{quoted}”")
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
    for match in _PERCENT.finditer(price):
        if float(match[1]) > max_discount_pct:
            problems.append(f"The agreed price “{price}” carries {match[1]}% off (the cap is {max_discount_pct:g}%).")
    return problems
