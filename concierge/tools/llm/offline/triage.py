"""Offline triage: booking, support question, or escalation, from the words of the ticket."""

from __future__ import annotations

import re
from typing import Any

from concierge.tools.llm.offline.text import quote_matches, sentences, ticket_text

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


def triage(data: dict[str, Any]) -> dict[str, Any]:
    text = ticket_text(data.get("ticket", {}))
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    wants_human = quote_matches(WANTS_HUMAN, text)
    angry = quote_matches(ANGER, text) + (["(message written in capitals)"] if shouting else [])
    angry += ["(repeated exclamation marks)"] if "!!" in text else []

    topics = [name for name, pattern in SUPPORT_TOPICS.items() if re.search(pattern, text, re.I)]
    questions = " ".join(s for s in sentences(text) if s.endswith("?"))
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
