"""Offline profile: party, dates, destination, budget, preferences and past friction."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from concierge.tools.knowledge.constraints import FACILITIES
from concierge.tools.llm.language import detect_language
from concierge.tools.llm.offline.stay import stay_constraints
from concierge.tools.llm.offline.text import MONTHS, number, quote_matches, ticket_text

# The knowledge base's facility vocabulary; a customer who mentions noise or sleep wants quiet.
AMENITY_PATTERNS = {**FACILITIES, "quiet": FACILITIES["quiet"] + r"|\bnois\w+\b|\bsleep\b"}
FRICTION = re.compile(
    r"\b(nois\w+|unbearabl\w+|dirty|filthy|late|delay\w*|rude|broken|cold shower|no hot water|refund\w*|"
    r"complain\w*|disappoint\w*|double[- ]charged|overcharged|charged twice|cancel+ed|bugs?|smell\w*|"
    r"waited|never (arrived|showed|came)|credit)\b",
    re.I,
)


def _party_size(text: str) -> tuple[int | None, int | None]:
    num = r"(\d+|one|two|three|four|five|six|seven|eight)"

    def find(pattern: str) -> int | None:
        m = re.search(pattern, text, re.I)
        return number(m.group(1)) if m else None

    children = find(num + r"\s+(?:kids|children|child)\b")
    group = find(r"(?:family|party|group) of\s+" + num) or find(num + r"\s+(?:people|guests|persons|travell?ers|of us)\b")
    if group:
        return group, children
    adults = find(num + r"\s+adults?\b")
    if adults:
        return adults + (children or 0), children
    group = find(r"\bfor\s+" + num + r"\b(?!\s*(?:nights?|days?|weeks?|stars?|am|pm|euros?|pounds?))")
    if group:
        return group, children
    room = re.search(r"\b(single|double|twin) room\b", text, re.I)
    if room:
        return (1 if room.group(1).lower() == "single" else 2), children
    size = 2 if re.search(r"\b(my|our) (husband|wife|partner|boyfriend|girlfriend)\b|\bcouple\b", text, re.I) else 0
    kids = len(re.findall(r"\b(daughter|son)\b", text, re.I))
    if size:
        return size + kids, children or (kids or None)
    return None, children


def _dates(text: str) -> tuple[str | None, str | None]:
    mon = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
    year = r"(\d{4})"
    patterns = [
        # 14 to 18 April 2027 / 14-18 April 2027
        (r"(\d{1,2})(?:st|nd|rd|th)?\s*(?:to|-|–|until|and)\s*(\d{1,2})(?:st|nd|rd|th)?\s+" + mon + r",?\s+" + year, "ddmy"),
        # April 14 to 18, 2027
        (mon + r"\s+(\d{1,2})(?:st|nd|rd|th)?\s*(?:to|-|–|until)\s*(\d{1,2})(?:st|nd|rd|th)?,?\s+" + year, "mddy"),
        # 30 May to 2 June 2027
        (r"(\d{1,2})(?:st|nd|rd|th)?\s+" + mon + r"\s*(?:to|-|–|until)\s*(\d{1,2})(?:st|nd|rd|th)?\s+" + mon + r",?\s+" + year, "dmdmy"),
    ]
    for pattern, kind in patterns:
        m = re.search(pattern, text, re.I)
        if not m:
            continue
        g = m.groups()
        try:
            if kind == "ddmy":
                month, y = MONTHS[g[2].lower()], int(g[3])
                start, end = date(y, month, int(g[0])), date(y, month, int(g[1]))
            elif kind == "mddy":
                month, y = MONTHS[g[0].lower()], int(g[3])
                start, end = date(y, month, int(g[1])), date(y, month, int(g[2]))
            else:
                y = int(g[4])
                start, end = date(y, MONTHS[g[1].lower()], int(g[0])), date(y, MONTHS[g[3].lower()], int(g[2]))
        except ValueError:
            continue
        if end > start:
            return start.isoformat(), end.isoformat()
    found = []
    for m in re.finditer(r"(\d{1,2})(?:st|nd|rd|th)?\s+" + mon + r",?\s+" + year + r"|(\d{4}-\d{2}-\d{2})", text, re.I):
        try:
            found.append(date.fromisoformat(m.group(4)) if m.group(4) else date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))))
        except ValueError:
            continue
    if len(found) >= 2 and found[1] > found[0]:
        return found[0].isoformat(), found[1].isoformat()
    return None, None


WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ARRIVAL_DAY = re.compile(r"\b(?:on|from|starting|beginning|arriv\w*|for|this|check(?:ing)? in)\s+(?:on\s+|from\s+)?("
                         + "|".join(WEEKDAYS) + r")\b", re.I)


def _weekday_check_in(text: str, written: str) -> str | None:
    """The next date on the customer's last-named arrival weekday, counted from the day the ticket was written."""
    found = ARRIVAL_DAY.findall(text)
    if not found or not written:
        return None
    try:
        base = date.fromisoformat(str(written)[:10])
    except ValueError:
        return None
    ahead = (WEEKDAYS.index(found[-1].lower()) - base.weekday()) % 7 or 7
    return date.fromordinal(base.toordinal() + ahead).isoformat()


def _budget(text: str) -> tuple[float | None, str | None]:
    cur = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP",
           "pound": "GBP", "$": "USD", "usd": "USD", "dollars": "USD"}
    m = re.search(r"(€|£|\$)\s?(\d{2,5})", text) or re.search(r"(\d{2,5})\s?(€|£|eur|euros?|gbp|pounds?|usd|dollars)\b", text, re.I)
    if not m:
        return None, None
    a, b = m.groups()
    amount, symbol = (b, a) if a in "€£$" else (a, b)
    return float(amount), cur.get(symbol.lower())


COMPLAINT_WANTS = [
    (r"\bcharged twice\b|\bdouble[- ]charged?\b|\bdouble charge\b", "a refund of a double charge"),
    (r"\bovercharged\b", "a refund of an overcharge"),
    (r"\brefund\w*\b|\bmoney back\b", "a refund"),
]


def _complaint(text: str) -> dict[str, Any] | None:
    """What a customer with a billing problem wants, in the case's own terms: the remedy, the booking, the amount."""
    wants = next((w for pattern, w in COMPLAINT_WANTS if re.search(pattern, text, re.I)), None)
    if not wants:
        return None
    reference = re.search(r"\b(?:booking|reservation|ref(?:erence)?)\s*(?:no\.?|number|#|:)?\s*([A-Z]{1,4}-?\d{3,})\b", text)
    amount, currency = _budget(text)
    return {"wants": wants, "booking_reference": reference.group(1) if reference else None,
            "amount": amount, "currency": currency}


def profile(data: dict[str, Any]) -> dict[str, Any]:
    ticket = data.get("ticket", {})
    text = ticket_text(ticket)
    history = data.get("history", [])
    party, children = _party_size(text)
    check_in, check_out = _dates(text)
    nights = (date.fromisoformat(check_out) - date.fromisoformat(check_in)).days if check_in and check_out else None
    if nights is None:
        # The latest count wins ("4 nights… how about 3 nights?"); a stay of "5 days" is booked as 5 nights.
        counts = re.findall(r"(\d+|one|two|three|four|five|six|seven)\s+nights?", text, re.I) or re.findall(
            r"(\d+|one|two|three|four|five|six|seven)\s+days?\b", text, re.I)
        nights = number(counts[-1]) if counts else None
    if check_in is None:
        check_in = _weekday_check_in(text, ticket.get("created_at", ""))
        if check_in and nights:
            check_out = date.fromordinal(date.fromisoformat(check_in).toordinal() + nights).isoformat()
    destination = next(
        (city for city in data.get("known_destinations", []) if re.search(rf"\b{re.escape(city)}\b", text, re.I)), None
    )
    complaint = _complaint(text)
    budget, currency = (None, None) if complaint else _budget(text)
    constraints = stay_constraints(text)
    excluded = {c.partition(":")[2] for c in constraints["excluded"]}
    preferences = [name for name, p in AMENITY_PATTERNS.items() if re.search(p, text, re.I) and name not in excluded]
    friction = []
    for past in history:
        for sentence in quote_matches(FRICTION, ticket_text(past), limit=1):
            friction.append(f"ticket {past.get('id')} ({str(past.get('created_at', ''))[:10]}): {sentence}")
    name = ticket.get("customer", {}).get("name", "Customer")
    trip = f"{party or 'unknown number of'} guest(s) to {destination or 'an unnamed destination'}"
    when = f" from {check_in} to {check_out}" if check_in else ""
    summary = f"{name} wants a stay for {trip}{when}."
    if complaint:
        case = [f"booking {complaint['booking_reference']}" if complaint["booking_reference"] else "",
                f"{complaint['amount']:g} {complaint['currency'] or ''}".strip() if complaint["amount"] else ""]
        summary = f"{name} wants {complaint['wants']}" + (f" ({', '.join(c for c in case if c)})" if any(case) else "") + "."
    summary += f" Past friction: {len(friction)} earlier problem(s) — handle with care." if friction else " No past friction on record."
    return {
        "name": name,
        "party_size": party,
        "children": children,
        "destination": destination,
        "check_in": check_in,
        "check_out": check_out,
        "nights": nights,
        "budget_per_night": budget,
        "currency": currency,
        "preferences": preferences,
        "constraints": constraints,
        "complaint": complaint,
        "past_friction": friction,
        "language": detect_language(text),
        "summary": summary,
    }
