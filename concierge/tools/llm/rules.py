"""Deterministic rules of the offline engine: triage, customer profile and call analysis.

Each rule takes the `<data>` payload a step sends to the LLM and returns the arguments of the
structured output, so the rest of the graph cannot tell which engine answered.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# --- vocabulary ------------------------------------------------------------------------------------
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"]
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})

WANTS_HUMAN = re.compile(
    r"\b(real|actual|live) (person|human)\b|\bhuman( being| agent)?\b|\boperator\b|\bmanager\b|\bsupervisor\b"
    r"|\b(speak|talk|chat|get in touch|contact|reach)( to| with)? (a |an |the |your |some )?"
    r"(someone|somebody|person|agent|assistant|representative|rep|people)\b"
    r"|\bcustomer (service|support) (rep|representative|agent)\b|\bput me through\b",
    re.I,
)
# Anger and formal complaints. Swearing alone is not anger: "book me a f***ing hotel" is a booking.
ANGER = re.compile(
    r"\b(unacceptable|ridiculous|outrageous|disgusting|disgusted|furious|livid|appalling|appalled|terrible|"
    r"horrible|awful|worst|scam|fraud|lawyer|legal action|chargeback|rip[- ]?off|incompetent|useless|"
    r"third time|fourth time|still (no|not|waiting)|nobody (has )?(answered|replied|responded)|fed up|sick of|"
    r"complain\w*|reclamation|(file|lodge|make|submit) an? (\w+ )?claim|claim against|pissed)\b",
    re.I,
)
SUPPORT_TOPICS = {
    "check_in_question": r"\bcheck[- ]?(in|out)\b|\barriv\w+ early\b|\blate arrival\b",
    "luggage_question": r"\bluggage\b|\bbags?\b|\bsuitcases?\b",
    "cancellation_question": r"\bcancel\w*\b|\brefund\w*\b",
    "pets_question": r"\bpets?\b|\bdogs?\b|\bcats?\b",
    "parking_question": r"\bpark(ing)?\b|\bcar\b",
    "breakfast_question": r"\bbreakfast\b",
    "children_question": r"\bcots?\b|\bcribs?\b|\bextra beds?\b|\bbaby\b",
    "invoice_question": r"\binvoices?\b|\breceipts?\b|\bbilling\b|\bvat\b",
    "change_dates_question": r"\b(change|move|modify) (the |my |our )?(dates?|booking|reservation)\b",
    "accessibility_question": r"\bwheelchair\b|\baccessib\w+\b|\bmobility\b",
}
BOOKING_REQUEST = re.compile(
    r"\b(book (a|an|two|three|\d)|looking for (a |an )?(hotel|room|stay|place|double|family)|"
    r"would like to (book|stay|reserve|spend)|hoping to (visit|stay|book)|"
    r"plan(ning)? (a|our|my) (trip|holiday|vacation|getaway|stay|few days)|"
    r"(recommend|suggest)\w* (a |some )?(hotel|place|room)|what (would|do) you (recommend|suggest|have)|"
    r"\d+ (people|guests|adults)|(family|party|group) of|upgrade|add (an )?(extra )?night|extend (our|my) stay|"
    r"what'?s available)",
    re.I,
)
BOOKING_HINT = re.compile(r"\b(booking|trip to|holiday in|getaway|\w+ nights?)\b", re.I)
QUESTION = re.compile(r"\?|\b(what|when|can|could|do you|is there|are there|how)\b", re.I)

AMENITIES = [
    "free wifi", "breakfast", "pool", "spa", "gym", "parking", "airport shuttle", "pet friendly",
    "sea view", "rooftop terrace", "kids club", "wheelchair accessible", "restaurant", "bar",
    "air conditioning", "family rooms", "quiet", "river view", "kitchenette", "balcony",
]
AMENITY_PATTERNS = {
    "quiet": r"\bquiet\b|\bpeaceful\b|\bcalm\b|\bnois\w+\b|\bsleep\b",
    "pool": r"\bpool\b|\bswim\w*\b",
    "breakfast": r"\bbreakfast\b",
    "parking": r"\bparking\b|\bpark the car\b",
    "sea view": r"\bsea views?\b|\bocean views?\b|\bview of the sea\b",
    "pet friendly": r"\bpets?\b|\bdog\b",
    "wheelchair accessible": r"\bwheelchair\b|\baccessib\w+\b",
    "spa": r"\bspa\b",
    "kids club": r"\bkids'? club\b",
    "family rooms": r"\bfamily room\b",
}
FRICTION = re.compile(
    r"\b(nois\w+|unbearabl\w+|dirty|filthy|late|delay\w*|rude|broken|cold shower|no hot water|refund\w*|"
    r"complain\w*|disappoint\w*|double[- ]charged|overcharged|charged twice|cancel+ed|bugs?|smell\w*|"
    r"waited|never (arrived|showed|came)|credit)\b",
    re.I,
)
CALL_FRUSTRATION = re.compile(
    r"\b(ridiculous|unacceptable|not happy|fed up|waste of (my )?time|stop calling|speak to (a |an )?(human|person|manager)|"
    r"real person|manager|this is the (second|third)|never again|too expensive|forget it|complain\w*|annoy\w*|"
    r"frustrat\w*|angry|upset|rubbish|terrible)\b",
    re.I,
)
AGREEMENT = re.compile(r"\b(yes|yeah|yep|perfect|great|sounds good|let'?s do it|go ahead|book it|please book|deal)\b", re.I)


def _text(ticket: dict[str, Any]) -> str:
    return f"{ticket.get('subject', '')}\n{ticket.get('body', '')}"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _quote_matches(pattern: re.Pattern[str], text: str, limit: int = 3) -> list[str]:
    return [s for s in _sentences(text) if pattern.search(s)][:limit]


# --- triage ----------------------------------------------------------------------------------------
def triage(data: dict[str, Any]) -> dict[str, Any]:
    text = _text(data.get("ticket", {}))
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    wants_human = _quote_matches(WANTS_HUMAN, text)
    angry = _quote_matches(ANGER, text) + (["(message written in capitals)"] if shouting else [])
    angry += ["(repeated exclamation marks)"] if "!!" in text else []

    topics = [name for name, pattern in SUPPORT_TOPICS.items() if re.search(pattern, text, re.I)]
    questions = " ".join(s for s in _sentences(text) if s.endswith("?"))
    asked = [name for name, pattern in SUPPORT_TOPICS.items() if re.search(pattern, questions, re.I)]
    # A policy question about a stay ("can we bring our dog?") is support even when it mentions booking.
    booking = bool(BOOKING_REQUEST.search(text)) or (not asked and bool(BOOKING_HINT.search(text)))

    if wants_human or angry:
        reasons = [f"Customer asks for a human: “{s}”" for s in wants_human]
        reasons += [f"Customer is upset: “{s}”" if not s.startswith("(") else f"Customer is upset {s}" for s in angry]
        return {
            "path": "escalate",
            "intent": "contact_human_agent" if wants_human else "complaint",
            "sentiment": "angry" if angry else "negative",
            "escalation_reasons": reasons,
            "rationale": "The customer needs a person, not an automated offer.",
        }
    if booking:
        return {
            "path": "booking",
            "intent": "upsell" if re.search(r"upgrade|add (an )?(extra )?night|extend", text, re.I) else "book_hotel",
            "sentiment": "positive" if re.search(r"\b(excited|looking forward|love|lovely|great)\b", text, re.I) else "neutral",
            "escalation_reasons": [],
            "rationale": "The customer wants to book or plan a stay.",
        }
    if topics or QUESTION.search(text):
        return {
            "path": "support",
            "intent": (asked or topics or ["general_question"])[0],
            "sentiment": "neutral",
            "escalation_reasons": [],
            "rationale": "A question the knowledge base can answer.",
        }
    return {
        "path": "escalate",
        "intent": "unclear",
        "sentiment": "neutral",
        "escalation_reasons": ["The request does not match booking or a known support topic."],
        "rationale": "Nothing automated fits; a person should read it.",
    }


# --- profile ---------------------------------------------------------------------------------------
def _number(token: str) -> int | None:
    token = token.lower()
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token)


def _party_size(text: str) -> tuple[int | None, int | None]:
    num = r"(\d+|one|two|three|four|five|six|seven|eight)"

    def find(pattern: str) -> int | None:
        m = re.search(pattern, text, re.I)
        return _number(m.group(1)) if m else None

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


def _budget(text: str) -> tuple[float | None, str | None]:
    cur = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP",
           "pound": "GBP", "$": "USD", "usd": "USD", "dollars": "USD"}
    m = re.search(r"(€|£|\$)\s?(\d{2,5})", text) or re.search(r"(\d{2,5})\s?(€|£|eur|euros?|gbp|pounds?|usd|dollars)\b", text, re.I)
    if not m:
        return None, None
    a, b = m.groups()
    amount, symbol = (b, a) if a in "€£$" else (a, b)
    return float(amount), cur.get(symbol.lower())


def profile(data: dict[str, Any]) -> dict[str, Any]:
    ticket = data.get("ticket", {})
    text = _text(ticket)
    history = data.get("history", [])
    party, children = _party_size(text)
    check_in, check_out = _dates(text)
    nights = (date.fromisoformat(check_out) - date.fromisoformat(check_in)).days if check_in and check_out else None
    if nights is None:
        m = re.search(r"(\d+|one|two|three|four|five|six|seven)\s+nights?", text, re.I)
        nights = _number(m.group(1)) if m else None
    destination = next(
        (city for city in data.get("known_destinations", []) if re.search(rf"\b{re.escape(city)}\b", text, re.I)), None
    )
    budget, currency = _budget(text)
    preferences = [name for name, p in AMENITY_PATTERNS.items() if re.search(p, text, re.I)]
    friction = []
    for past in history:
        for sentence in _quote_matches(FRICTION, _text(past), limit=1):
            friction.append(f"ticket {past.get('id')} ({str(past.get('created_at', ''))[:10]}): {sentence}")
    name = ticket.get("customer", {}).get("name", "Customer")
    trip = f"{party or 'unknown number of'} guest(s) to {destination or 'an unnamed destination'}"
    when = f" from {check_in} to {check_out}" if check_in else ""
    summary = f"{name} wants a stay for {trip}{when}."
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
        "past_friction": friction,
        "summary": summary,
    }


# --- call analysis ---------------------------------------------------------------------------------
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
