from __future__ import annotations

import pytest

from concierge.agents.email_writer import email_kind, email_writer
from tests.agents.helpers import offer, policy, sent_data, ticket_state

OFFERS = [offer("lisbon-estrela-garden-triple"), offer("lisbon-casa-alfama-triple")]  # 160 and 215 EUR
PROFILE = {"name": "Maria Costa", "party_size": 3, "destination": "Lisbon", "check_in": "2027-04-14",
           "check_out": "2027-04-18", "nights": 4, "preferences": ["quiet"], "past_friction": [], "summary": "."}


async def booking_state(services, **extra):
    return await ticket_state(services, "1001", path="booking", stage="retrieved", profile=PROFILE, offers=OFFERS, **extra)


@pytest.mark.parametrize(("state", "kind"), [
    ({"stage": "retrieved", "path": "booking"}, "offer"),
    ({"stage": "retrieved", "path": "support"}, "support_answer"),
    ({"stage": "phone_missing", "path": "booking"}, "clarify_phone"),
    ({"stage": "human_decided", "path": "booking"}, "offer"),
])
def test_email_kind_follows_stage_and_path(state, kind):
    assert email_kind(state) == kind


@pytest.mark.parametrize(("stage", "path", "kind", "language"), [
    ("retrieved", "booking", "offer", "en"),
    ("phone_missing", "booking", "clarify_phone", "es"),
    ("retrieved", "support", "support_answer", "en"),
])
async def test_the_node_asks_for_and_labels_the_right_kind(rt, services, llm, stage, path, kind, language):
    llm.answers["EmailDraft"] = {"subject": "Re: your trip", "body": "Dear Maria, thank you. Wayfarer Stays Concierge"}
    state = await booking_state(services)
    state.update(stage=stage, path=path, policies=[policy("pets")] if path == "support" else [],
                 profile={**PROFILE, "language": language})
    update = await email_writer(state, rt)

    [data] = sent_data(llm, "EmailDraft")
    assert data["kind"] == kind
    assert f"Write the {kind} email." in llm.calls[-1][1][-1].content
    assert data["customer_name"] == "Maria Costa"
    assert data["language"] == language
    assert "in the customer's language" in llm.calls[-1][1][0].content
    assert update["draft"]["kind"] == kind
    assert update["stage"] == "drafted"


async def test_an_english_phone_follow_up_comes_from_the_template_without_an_llm_call(rt, services, llm):
    state = await booking_state(services)
    state.update(stage="phone_missing", profile={**PROFILE, "language": "en"})
    update = await email_writer(state, rt)

    assert llm.calls == []
    assert update["draft"]["kind"] == "clarify_phone"
    assert "phone number" in update["draft"]["body"]


async def test_a_grounded_draft_is_kept(rt, services, llm):
    body = ("Dear Maria,\n\nThe Triple Room at Estrela Garden Residence is €160 per night (€640 for 4 nights), and the "
            "Superior Triple at Casa Alfama is 215 EUR per night. What number can we call you on?\n\nWayfarer Stays Concierge")
    llm.answers["EmailDraft"] = {"subject": "Your quiet room in Lisbon", "body": body}
    update = await email_writer(await booking_state(services), rt)

    assert update["draft"] == {"kind": "offer", "subject": "Your quiet room in Lisbon", "body": body, "drafted_by": "scripted"}
    assert "replaced" not in update["log"][-1]["text"]


async def test_a_draft_quoting_a_price_not_in_the_offers_is_replaced_by_the_template(rt, services, llm):
    llm.answers["EmailDraft"] = {
        "subject": "Special deal!",
        "body": "Dear Maria, we can do the Estrela Garden triple for just €149 a night, a special price for you.",
    }
    state = await booking_state(services)
    update = await email_writer(state, rt)

    draft = update["draft"]
    assert draft["kind"] == "offer"
    assert "149" not in draft["body"]
    assert "€160" in draft["body"] and "€215" in draft["body"]  # the real prices, from the offers
    assert "€640" in draft["body"]  # 4 nights at 160
    assert draft["subject"] == "Re: " + state["ticket"]["subject"]
    note = update["log"][-1]["text"]
    assert "replaced by the template" in note and "149" in note


async def test_a_draft_inventing_a_discounted_total_is_replaced(rt, services, llm):
    llm.answers["EmailDraft"] = {"subject": "Offer", "body": "Four nights for a total of 560 euros instead of €640."}
    update = await email_writer(await booking_state(services), rt)
    assert "560" in update["log"][-1]["text"]
    assert "560" not in update["draft"]["body"]


async def test_a_support_answer_may_quote_amounts_from_the_policy(rt, services, llm):
    body = "Dear Claire, dogs are welcome at The Lantern House. The fee is 20 EUR per pet per night.\n\nWayfarer Stays Concierge"
    llm.answers["EmailDraft"] = {"subject": "Re: Bringing our dog", "body": body}
    state = await ticket_state(services, "1007", path="support", stage="retrieved", policies=[policy("pets")])
    update = await email_writer(state, rt)

    assert update["draft"]["body"] == body
    assert update["draft"]["kind"] == "support_answer"


async def test_a_support_answer_inventing_a_fee_is_replaced_by_the_policy_text(rt, services, llm):
    llm.answers["EmailDraft"] = {"subject": "Re: dog", "body": "Dogs cost €35 per night."}
    state = await ticket_state(services, "1007", path="support", stage="retrieved", policies=[policy("pets")])
    update = await email_writer(state, rt)

    assert "€35" not in update["draft"]["body"]
    assert policy("pets")["text"] in update["draft"]["body"]


# Regression: the amount pattern used to miss "EUR 149", "149 €" and "149€", so such invented prices passed.
@pytest.mark.parametrize("quoted", ["EUR 149 per night", "149 € per night", "149€ per night", "US$149 a night",
                                    "149 dollars a night"])
async def test_invented_prices_in_other_common_formats_are_also_replaced(rt, services, llm, quoted):
    llm.answers["EmailDraft"] = {"subject": "Deal", "body": f"Dear Maria, the Estrela Garden triple is only {quoted}."}
    update = await email_writer(await booking_state(services), rt)
    assert "149" not in update["draft"]["body"]
    assert "replaced by the template" in update["log"][-1]["text"]


# Regression: amounts and percentages in words, with a currency code stuck to the figure, or in the
# subject passed the check, so "ninety percent off" or "EUR10/night" reached the customer.
@pytest.mark.parametrize("quoted", [
    "EUR10/night", "EUR 10 a night", "10 EUR a night", "€10 a night", "10€ a night", "ten euros a night",
    "one hundred and forty-nine euros a night", "USD 149 a night", "GBP149 a night", "£149 a night",
    "149 pounds a night", "149,50 € a night",
])
async def test_invented_prices_in_words_and_codes_are_replaced(rt, services, llm, quoted):
    llm.answers["EmailDraft"] = {"subject": "Deal", "body": f"Dear Maria, the Estrela Garden triple is only {quoted}."}
    update = await email_writer(await booking_state(services), rt)
    assert quoted not in update["draft"]["body"]
    assert "replaced by the template" in update["log"][-1]["text"]


@pytest.mark.parametrize(("subject", "body"), [
    ("Deal", "The Estrela Garden triple at €160 a night, 90% off for you."),
    ("Deal", "The Estrela Garden triple at €160 a night, ninety percent off for you."),
    ("Deal", "The Estrela Garden triple at €160 a night, 90 per cent off for you."),
    ("Deal", "The Estrela Garden triple at €160 a night, at half price for you."),
    ("Ninety percent off Lisbon!", "The Estrela Garden triple at €160 a night."),
    ("Only EUR10 a night", "The Estrela Garden triple at €160 a night."),
])
async def test_invented_discounts_in_words_or_in_the_subject_are_replaced(rt, services, llm, subject, body):
    llm.answers["EmailDraft"] = {"subject": subject, "body": f"Dear Maria,\n\n{body}"}
    update = await email_writer(await booking_state(services), rt)
    assert update["draft"]["subject"] != subject or update["draft"]["body"] != f"Dear Maria,\n\n{body}"
    assert "replaced by the template" in update["log"][-1]["text"]


async def test_the_offer_written_in_words_passes(rt, services, llm):
    body = ("Dear Maria, the Estrela Garden triple is one hundred and sixty euros a night, six hundred and forty for four "
            "nights, and Casa Alfama has a superior triple too. What number can we call you on?")
    llm.answers["EmailDraft"] = {"subject": "Your room in Lisbon", "body": body}
    update = await email_writer(await booking_state(services), rt)
    assert update["draft"]["body"] == body and "replaced" not in update["log"][-1]["text"]


async def test_a_draft_in_the_customers_language_is_read_in_that_language(rt, services, llm):
    llm.answers["EmailDraft"] = {"subject": "Oferta", "body": "Cara Maria, o quarto triplo custa apenas dez euros por noite."}
    state = await booking_state(services)
    state["profile"] = {**PROFILE, "language": "pt"}
    update = await email_writer(state, rt)
    assert "dez euros" not in update["draft"]["body"] and "replaced by the template" in update["log"][-1]["text"]
