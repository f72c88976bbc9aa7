"""Offline triage: booking, support question, or escalation.

A learned head over MiniLM embeddings reads the ticket (`learned.py`, trained by `train.py`); exact
rules decide only where they are exact: an explicit request for a person, or a ticket shouted in
capitals. It covers English only: a ticket in another language goes to a person. Reasons always
quote the customer.
"""

from __future__ import annotations

import re
from typing import Any

from concierge.tools.llm.language import COVERED, detect_language, language_name
from concierge.tools.llm.offline.learned import head
from concierge.tools.llm.offline.text import quote_matches, sentences, ticket_text

WANTS_HUMAN = re.compile(
    r"\b(real|actual|live) (person|human)\b|\bhuman (being|agent)\b|\boperator\b"
    r"|\b(speak|talk|chat|get in touch|contact|reach)( to| with)? (a |an |the |your |some )?"
    r"(someone|somebody|person|human|agent|assistant|representative|rep|people|manager|supervisor)\b"
    r"|\b(want|need|demand)( to see)? (a |the |your )(manager|supervisor)\b"
    r"|\bcustomer (service|support) (rep|representative|agent)\b|\bput me through\b",
    re.I,
)
# "I don't need to talk to anyone" is not a request for a person.
NEGATED = re.compile(r"\b(don'?t|do not|no need to|not|never|without)\b[^.!?]{0,25}$", re.I)
ANGER = re.compile(
    r"\b(unacceptable|ridiculous|outrageous|disgusting|disgusted|furious|livid|appalling|appalled|"
    r"worst|scam|fraud|lawyer|legal action|chargeback|rip[- ]?off|incompetent|useless|"
    r"third time|fourth time|fed up|sick of|pissed)\b",
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
    "accessibility_question": r"\bwheelchair\b|\baccessib\w+\b|\bmobility\b",
}
UPSELL = re.compile(r"upgrade|add (an |one |two |\d )?(extra |more )?nights?|extend", re.I)
CHANGE = re.compile(r"\b(change|move|modify|switch|reschedul\w*)\b", re.I)
POSITIVE = re.compile(r"\b(excited|looking forward|love|lovely|great|wonderful)\b", re.I)


def asks_for_a_person(text: str) -> list[str]:
    """Sentences that ask for a person, leaving out negated ones ("no need to talk to anyone")."""
    found = []
    for sentence in sentences(text):
        for match in WANTS_HUMAN.finditer(sentence):
            if not NEGATED.search(sentence[: match.start()]):
                found.append(sentence)
                break
    return found[:3]


def shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6


def path_scores(text: str) -> dict[str, float]:
    return head("triage").scores([text.strip() or "(empty)"])[0]


def _escalation_quotes(text: str) -> list[str]:
    """The customer's sentences that read most like a complaint, for the human to see first."""
    parts = sentences(text) or [text]
    scored = sorted(zip(head("triage").scores(parts), parts, strict=True), key=lambda p: -p[0]["escalate"])
    return [s for p, s in scored if p["escalate"] >= 0.5][:3] or quote_matches(ANGER, text)


def triage(data: dict[str, Any]) -> dict[str, Any]:
    text = ticket_text(data.get("ticket", {})).strip()
    language = detect_language(text)
    if language not in COVERED:  # better a person than an answer in a language the customer did not write
        name = language_name(language)
        return {"path": "escalate", "intent": "other_language", "sentiment": "neutral",
                "escalation_reasons": [f"The customer writes in {name} ({language}); the offline engine answers "
                                       f"only in English: a person who reads {name} should answer."],
                "rationale": f"Written in {name}, which the offline engine does not cover."}
    scores = path_scores(text)
    path = max(scores, key=scores.__getitem__)
    wants_human = asks_for_a_person(text)
    angry = bool(quote_matches(ANGER, text)) or shouted(text)

    if wants_human or shouted(text) or path == "escalate":
        quotes = _escalation_quotes(text)
        reasons = [f"Customer asks for a human: “{s}”" for s in wants_human]
        reasons += [f"Customer is upset: “{s}”" for s in quotes if s not in wants_human]
        reasons += ["Customer is upset (message written in capitals)"] if shouted(text) else []
        intent = "contact_human_agent" if wants_human else "complaint" if quotes or angry else "unclear"
        if intent == "unclear":
            reasons = ["The request does not match booking or a known support topic."]
        return {
            "path": "escalate",
            "intent": intent,
            "sentiment": "angry" if angry else "negative" if intent != "unclear" else "neutral",
            "escalation_reasons": reasons,
            "rationale": "The customer needs a person, not an automated answer.",
        }
    sentiment = "positive" if POSITIVE.search(text) else "neutral"
    if path == "booking":
        intent = "upsell" if UPSELL.search(text) else "change_booking" if CHANGE.search(text) else "book_hotel"
        return {"path": "booking", "intent": intent, "sentiment": sentiment, "escalation_reasons": [],
                "rationale": "The customer wants to book, plan or change a stay."}
    questions = " ".join(s for s in sentences(text) if s.endswith("?"))
    asked = [name for name, p in SUPPORT_TOPICS.items() if re.search(p, questions, re.I)]
    topics = [name for name, p in SUPPORT_TOPICS.items() if re.search(p, text, re.I)]
    return {"path": "support", "intent": (asked or topics or ["general_question"])[0], "sentiment": sentiment,
            "escalation_reasons": [], "rationale": "A question or service request the knowledge base answers."}
