"""The customer's language: detected offline, kept in the profile, and the offline engine (English only)
hands other languages to a person instead of answering in the wrong one."""

from __future__ import annotations

import pytest

from concierge.tools.llm.language import COVERED, detect_language
from concierge.tools.llm.offline.engine import read_ticket

TICKETS = {
    "es": ("Reserva en Lisboa", "Hola, quisiera reservar una habitación doble tranquila en Lisboa del 3 al 6 de mayo "
                                "para dos adultos. ¿Tienen algo con desayuno incluido?"),
    "fr": ("Réservation à Paris", "Bonjour, je voudrais réserver une chambre calme à Paris pour deux personnes du 3 au "
                                  "6 mai. Le petit-déjeuner est-il compris ?"),
    "de": ("Buchung in Rom", "Guten Tag, ich möchte ein ruhiges Doppelzimmer in Rom vom 3. bis 6. Mai für zwei "
                             "Erwachsene buchen. Ist das Frühstück inbegriffen?"),
}


@pytest.mark.parametrize("language", sorted(TICKETS))
def test_spanish_french_and_german_tickets_are_recognised(language):
    subject, body = TICKETS[language]
    assert detect_language(f"{subject}\n{body}") == language


@pytest.mark.parametrize("text", [
    "Late check-out?", "Lisbon 12-16 May, 2 adults", "Thanks! My number is +44 7700 900123",
    "Hi, we'd love a quiet room in Lisbon for three in April; is breakfast included?",
])
def test_english_and_too_short_texts_read_as_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("language", sorted(TICKETS))
def test_the_offline_engine_hands_other_languages_to_a_person_and_says_why(language):
    subject, body = TICKETS[language]
    reading = read_ticket({"ticket": {"subject": subject, "body": body, "customer": {"name": "Ana"}},
                           "history": [], "known_destinations": ["Lisbon", "Paris", "Rome"]})

    assert COVERED == {"en"}
    assert reading["triage"]["path"] == "escalate"
    assert reading["triage"]["intent"] == "other_language"
    [reason] = reading["triage"]["escalation_reasons"]
    assert "only in English" in reason and f"({language})" in reason
    assert reading["profile"]["language"] == language


def test_an_english_ticket_is_still_answered_by_the_offline_engine():
    reading = read_ticket({"ticket": {"subject": "Lisbon in April", "body": "We'd love a quiet room in Lisbon for three "
                                      "from 14 to 18 April 2027, around €250 a night.", "customer": {"name": "Maria"}},
                           "history": [], "known_destinations": ["Lisbon"]})
    assert reading["triage"]["path"] == "booking"
    assert reading["profile"]["language"] == "en"
