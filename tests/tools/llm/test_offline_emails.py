from __future__ import annotations

import re

from concierge.tools.llm.offline import emails
from tests.agents.helpers import INVENTORY, offer, policy

OFFERS = [offer("lisbon-estrela-garden-triple"), offer("lisbon-casa-alfama-triple")]  # 160 and 215 EUR
PROFILE = {"party_size": 3, "destination": "Lisbon", "check_in": "2027-04-14", "check_out": "2027-04-18", "nights": 4,
           "preferences": ["quiet", "breakfast"], "past_friction": []}
DATA = {"kind": "offer", "company": "Wayfarer Stays", "customer_name": "Maria Costa",
        "ticket": {"subject": "Lisbon in April — a quiet room for 3", "body": "..."}, "profile": PROFILE, "offers": OFFERS}
MONEY = re.compile(r"([€£$])(\d[\d,]*)")


def test_offer_email_lists_only_the_given_offers_with_exact_prices():
    email = emails.draft_email(DATA)
    body = email["body"]

    assert email["subject"] == "Re: Lisbon in April — a quiet room for 3"
    assert body.startswith("Dear Maria,")
    for o in OFFERS:
        assert f"{o['hotel_name']} — {o['room_name']}" in body
    assert "€160 per night (€640 for 4 nights)" in body
    assert "€215 per night (€860 for 4 nights)" in body
    # Every figure is a price or a total of the offers, and no other hotel of the inventory is named.
    quoted = {int(v.replace(",", "")) for _, v in MONEY.findall(body)}
    assert quoted == {160, 640, 215, 860}
    others = {h["name"] for h in INVENTORY["hotels"]} - {o["hotel_name"] for o in OFFERS}
    assert not [name for name in others if name in body]
    assert body.endswith("Wayfarer Stays Concierge") and "offline engine" not in body  # what drafted it is not the customer's business


def test_offer_email_asks_for_a_phone_number_with_country_code():
    body = emails.draft_email(DATA)["body"]
    assert "phone number" in body and "country code" in body


def test_offer_email_mentions_past_friction_only_when_there_is_some():
    calm = emails.draft_email(DATA)["body"]
    assert "earlier stay" not in calm

    friction = {**DATA, "profile": {**PROFILE, "past_friction": ["ticket 768 (2025-05-06): Noisy room"]}}
    body = emails.draft_email(friction)["body"]
    assert "trouble on an earlier stay" in body
    assert "quiet one" in body  # the customer asked for quiet


def test_offer_email_prices_in_the_offers_currency():
    data = {**DATA, "offers": [offer("edinburgh-greyfriars-double")], "profile": {**PROFILE, "nights": 4}}
    body = emails.draft_email(data)["body"]
    assert "£165 per night (£660 for 4 nights)" in body
    assert "€" not in body


def test_offer_email_without_nights_quotes_only_the_nightly_price():
    data = {**DATA, "profile": {**PROFILE, "nights": None}}
    body = emails.draft_email(data)["body"]
    assert "€160 per night." in body and "€640" not in body


def test_offer_email_without_offers_promises_nothing():
    body = emails.draft_email({**DATA, "offers": []})["body"]
    assert "checking availability" in body
    assert not MONEY.findall(body)


def test_support_email_quotes_the_policy_text():
    pets = policy("pets")
    data = {"kind": "support_answer", "company": "Wayfarer Stays", "customer_name": "Claire Dubois",
            "ticket": {"subject": "Bringing our dog to Amsterdam?"}, "policies": [pets, policy("accessibility")]}
    email = emails.draft_email(data)
    assert email["subject"] == "Re: Bringing our dog to Amsterdam?"
    assert email["body"].startswith("Dear Claire,")
    assert f"Pets:\n{pets['text']}" in email["body"]
    assert policy("accessibility")["text"] in email["body"]


def test_clarify_phone_email_asks_again_for_a_number():
    data = {"kind": "clarify_phone", "company": "Wayfarer Stays", "customer_name": "Anneke de Vries",
            "ticket": {"subject": "Re: Edinburgh over New Year for two"}}
    email = emails.draft_email(data)
    assert email["subject"] == "Re: Edinburgh over New Year for two"  # no "Re: Re:"
    assert "phone" in email["body"] and "country code" in email["body"]
    assert email["body"].startswith("Dear Anneke,")


def test_alternatives_are_presented_as_such_with_what_they_do_not_meet():
    alternatives = [{**o, "breaks": ["at most 100 EUR a night"]} for o in OFFERS]
    body = emails.draft_email({**DATA, "offers": alternatives})["body"]
    assert "nothing we have meets everything you asked for" in body
    assert "Here is what we can offer" not in body
    assert body.count("Alternative: it does not meet at most 100 EUR a night.") == 2
