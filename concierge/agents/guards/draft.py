"""What a drafted email must be before it reaches a customer, whatever model wrote it: a real
subject and a body of sensible length, no markup or JSON fragments, the customer greeted by name,
for an offer every offered hotel named and the phone number asked for, in the customer's language,
and no perk the knowledge base does not state. (Amounts and percentages are checked beside this, in
`agents/email_writer.py`.) A draft with any problem is replaced by the template."""

from __future__ import annotations

import re
from typing import Any

from concierge.schemas import EmailDraft
from concierge.tools.llm.language import detect_language

MIN_BODY_CHARS, MAX_BODY_CHARS = 60, 6000
MAX_SUBJECT_CHARS = 150
# What a model leaks when it fails at structured output or formatting.
_FRAGMENTS = re.compile(r"[{}]|```|</?[a-z][a-z0-9]*[\s>/]|\"(?:subject|body)\"\s*:|\\n", re.I)
# Perks a model invents to please: allowed only when the knowledge base's own text says them.
PERKS = re.compile(
    r"\b(complimentary|free (?:of charge|upgrade|night|nights|breakfast|stay|room|transfer|dinner|parking|cancellation)|"
    r"upgrade[sd]?|refund(?:ed|s)?|waive[sd]?|on the house|at no (?:extra )?(?:cost|charge)|"
    r"gratuit\w*|gratis|kostenlos\w*|gratuito|gratuita)\b", re.I)
# The ask for a number, in the languages the product writes in.
_PHONE_ASK = re.compile(r"\b(phone|number|call|número|numero|numéro|telefon\w*|téléphone|nummer|llamar|appeler|anrufen|ligar|chiamare|bellen)\b", re.I)


# Words a draft may leave out when it names a hotel ("Casa Alfama" for "Casa Alfama Boutique Hotel").
_GENERIC = {"hotel", "hotels", "boutique", "residence", "residences", "suites", "suite", "inn", "resort", "apartments",
            "guest", "guesthouse", "house", "lodge", "hostel", "the", "and", "&", "b&b", "de", "la", "le", "el", "do", "da"}


def names(hotel: str, text: str) -> bool:
    """Whether `text` names the hotel: its full name, or every distinctive word of it."""
    lowered = text.lower()
    if hotel.lower() in lowered:
        return True
    words = set(re.findall(r"[\w&'-]+", lowered))
    distinctive = [w for w in re.findall(r"[\w&'-]+", hotel.lower()) if w not in _GENERIC]
    return bool(distinctive) and all(w in words for w in distinctive)


def perks_in(text: str) -> set[str]:
    return {m.group(0).lower() for m in PERKS.finditer(text or "")}


def draft_problems(draft: EmailDraft, *, kind: str, customer_name: str, language: str,
                   offers: list[dict[str, Any]], allowed_text: str) -> list[str]:
    """Why this draft must not be sent (empty: it may). `allowed_text` is the knowledge base's
    material the draft was written from (offers, policies), whose own perks the draft may repeat."""
    problems = []
    subject, body = draft.subject.strip(), draft.body.strip()
    if len(subject) < 4 or len(subject) > MAX_SUBJECT_CHARS or subject.lower() in {kind, kind.replace("_", " ")}:
        problems.append(f"its subject is not a subject ({subject[:40]!r})")
    if not MIN_BODY_CHARS <= len(body) <= MAX_BODY_CHARS:
        problems.append(f"its body is {len(body)} characters long")
    if _FRAGMENTS.search(f"{subject}\n{body}"):
        problems.append("it contains markup or JSON fragments")
    parts = [n for n in re.split(r"[\s,]+", customer_name or "") if len(n) > 1]
    if parts and not any(n.lower() in body[:200].lower() for n in parts):
        problems.append(f"it does not greet the customer by name ({customer_name})")
    if kind == "offer":
        missing = [o["hotel_name"] for o in offers if not names(o["hotel_name"], body)]
        if missing:
            problems.append(f"it leaves out offered hotels: {', '.join(missing)}")
        if not _PHONE_ASK.search(body):
            problems.append("it does not ask for a phone number")
    written = detect_language(body)
    if written != (language or "en") and len(body) >= MIN_BODY_CHARS:
        problems.append(f"it is written in {written}, the customer writes {language or 'en'}")
    invented = perks_in(f"{subject}\n{body}") - perks_in(allowed_text)
    if invented and kind != "human_reply":  # a person edits that one before it is sent
        problems.append(f"it promises what the knowledge base does not state: {', '.join(sorted(invented))}")
    return problems
