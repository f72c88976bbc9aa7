"""The draft guard: what a model's email must be before a customer reads it."""

from __future__ import annotations

import pytest

from concierge.agents.email_writer import email_writer
from concierge.agents.guards.draft import draft_problems
from concierge.schemas import EmailDraft
from tests.agents.helpers import sent_data
from tests.agents.test_email_writer import booking_state

OFFERS = [{"hotel_name": "Estrela Garden Residence"}, {"hotel_name": "Casa Alfama Boutique Hotel"}]
GOOD = ("Dear Maria,\n\nThe Triple Room at Estrela Garden Residence is €160 per night, and Casa Alfama has a superior "
        "triple at €215. What is the best number to call you on, and when?\n\nWayfarer Stays Concierge")


def problems(subject: str = "Your quiet room in Lisbon", body: str = GOOD, *, kind: str = "offer", language: str = "en",
             allowed: str = "") -> list[str]:
    return draft_problems(EmailDraft(subject=subject, body=body), kind=kind, customer_name="Maria Costa", language=language,
                          offers=OFFERS if kind == "offer" else [], allowed_text=allowed)


def test_a_good_offer_passes():
    assert problems() == []


@pytest.mark.parametrize(("subject", "body", "why"), [
    ("offer", "{", "subject is not a subject"),
    ("Your room", "{", "body is 1 characters long"),
    ("Your room", GOOD + '\n{"subject": "x"}', "JSON fragments"),
    ("Your room", GOOD.replace("Dear Maria", "<p>Dear Maria</p>"), "markup"),
    ("Your room", GOOD.replace("Dear Maria", "Hello there"), "greet the customer by name"),
    ("Your room", GOOD.replace("and Casa Alfama has a superior triple at €215", "nothing else"), "leaves out offered hotels: Casa Alfama"),
    ("Your room", GOOD.replace("What is the best number to call you on, and when?", "Enjoy!"), "does not ask for a phone number"),
    ("Your room", GOOD + " We add a complimentary 24-hour room for you.", "promises what the knowledge base does not state: complimentary"),
    ("Your room", GOOD + " A free upgrade is yours.", "free upgrade"),
])
def test_each_harm_a_weak_model_did_is_refused(subject, body, why):
    assert any(why in p for p in problems(subject, body)), problems(subject, body)


def test_a_perk_the_knowledge_base_states_may_be_repeated():
    body = GOOD + " Cancellation is free of charge up to 48 hours before arrival."
    assert problems(body=body) != []
    assert problems(body=body, allowed="Cancellation is free of charge up to 48 hours before arrival.") == []


def test_a_draft_in_another_language_than_the_customers_is_refused():
    assert any("written in en" in p for p in problems(language="pt"))


async def test_a_broken_draft_is_replaced_by_the_template_and_the_reason_kept(rt, services, llm):
    llm.answers["EmailDraft"] = {"subject": "offer", "body": "{"}
    update = await email_writer(await booking_state(services), rt)
    assert sent_data(llm, "EmailDraft")  # the model was asked
    assert update["draft"]["drafted_by"] == "template" and update["draft"]["body"].startswith("Dear Maria,")
    [note] = update["guard_notes"]
    assert note["step"] == "email_writer" and any("subject is not a subject" in r for r in note["reasons"])
    assert "replaced by the template" in update["log"][-1]["text"]


async def test_a_perk_with_accents_the_policy_states_passes(rt, services, llm):
    """The knowledge base's own words are compared as written, accents included."""
    body = ("Chère Maria,\n\nLe Triple Room à Estrela Garden Residence est à 160 € la nuit, et Casa Alfama propose une "
            "chambre triple à 215 €. L'annulation est une gratuité jusqu'à 48 heures avant l'arrivée. Quel est le meilleur "
            "numéro pour vous appeler, et à quelle heure ?\n\nWayfarer Stays Concierge")
    llm.answers["EmailDraft"] = {"subject": "Votre séjour à Lisbonne", "body": body}
    state = await booking_state(services)
    state["profile"] = {**state["profile"], "language": "fr"}
    state["policies"] = [{"title": "Annulation", "text": "Annulation : gratuité jusqu'à 48 heures avant l'arrivée."}]
    update = await email_writer(state, rt)
    assert update["draft"]["body"] == body, update["log"][-1]["text"]
