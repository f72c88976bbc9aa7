from __future__ import annotations

import pytest

from concierge.agents.parse_reply import parse_reply
from concierge.tools.llm.offline import emails
from tests.agents.helpers import sent_data, ticket_state

CALM = {"upset": False, "wants_person": False, "reasons": []}
ANGRY = {"upset": True, "wants_person": False, "reasons": ["Customer is upset: “This is ridiculous, stop emailing me.”"]}


async def replied_state(services, text, **extra):
    reply = {"from": "maria.costa@example.com", "subject": "Re: Lisbon in April", "text": text,
             "message_id": "<r1@customer.example.com>"}
    return await ticket_state(services, "1001", path="booking", stage="reply_received",
                              replies=[reply], **extra)


@pytest.mark.parametrize(("text", "e164"), [
    ("Thanks, that looks lovely! You can reach me on +351 912 345 678, afternoons are best.", "+351912345678"),
    ("Yes, call me on 07911 123456 any time after 5pm.", "+447911123456"),  # national, default region GB
    ("Sorry! My number is +34 612 345 678.", "+34612345678"),
])
async def test_a_phone_number_is_found_and_normalised(rt, services, llm, text, e164):
    llm.answers["ReplyMood"] = CALM
    update = await parse_reply(await replied_state(services, text, phone_misses=1), rt)

    assert update["phone"] == e164
    assert update["stage"] == "phone_found"
    assert update["phone_misses"] == 0
    assert e164 not in update["log"][-1]["text"]  # masked in the timeline


async def test_the_reply_text_is_what_the_model_reads(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    text = ("Thank you for the options, they all look lovely and the first one is our favourite so far. "
            "We would be glad to talk it through, so please call me on +351 912 345 678 in the afternoon.")
    await parse_reply(await replied_state(services, text), rt)
    [data] = sent_data(llm, "ReplyMood")
    assert data == {"reply": {"body": text}}  # not the subject, which the customer did not write now


@pytest.mark.parametrize("subject", ["Re: Terrible experience last time", "Re: I want to speak to a manager",
                                     "Re: Test", "Hello there"])
async def test_a_calm_reply_is_calm_whatever_its_subject(rt, services, llm, subject):
    state = await replied_state(services, "Sure, call me on +44 20 7946 0958.")
    state["replies"][-1]["subject"] = subject
    update = await parse_reply(state, rt)
    assert (update["stage"], update["phone"]) == ("phone_found", "+442079460958")
    assert llm.calls == []  # read calm by the offline screen, no escalation and no model call


async def test_a_short_calm_reply_costs_no_llm_call(rt, services, llm):
    update = await parse_reply(await replied_state(services, "Call me on +351 912 345 678"), rt)
    assert update["phone"] == "+351912345678"
    assert llm.calls == []  # the offline engine's screen read it as calm


async def test_the_first_reply_without_a_number_asks_again(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    update = await parse_reply(await replied_state(services, "Sounds great — yes please give me a call!"), rt)

    assert update["stage"] == "phone_missing"
    assert update["phone_misses"] == 1
    assert "phone" not in update


async def test_the_second_reply_without_a_number_escalates(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    text = "Any time is fine really."
    update = await parse_reply(await replied_state(services, text, phone_misses=1), rt)

    assert update["stage"] == "escalating"
    assert update["phone_misses"] == 2
    assert update["escalation"]["source"] == "reply"
    [reason] = update["escalation"]["reasons"]
    assert text in reason and "2 replies" in reason


async def test_an_angry_reply_escalates_even_with_a_number(rt, services, llm):
    llm.answers["ReplyMood"] = ANGRY
    update = await parse_reply(await replied_state(services, "This is ridiculous, stop emailing me. +351 912 345 678"), rt)

    assert update["stage"] == "escalating"
    assert update["escalation"] == {"reasons": ANGRY["reasons"], "source": "reply"}
    assert "phone" not in update


async def test_an_unclear_but_calm_reply_still_gets_the_phone_follow_up(rt, services, llm):
    llm.answers["ReplyMood"] = {**CALM, "reasons": ["Does not match a path."]}
    update = await parse_reply(await replied_state(services, "Hmm, and what about parking?"), rt)
    assert update["stage"] == "phone_missing"


@pytest.mark.parametrize("quote_style", ["angle", "header"])
async def test_numbers_in_the_quoted_thread_are_not_the_customers(rt, services, llm, quote_style):
    llm.answers["ReplyMood"] = CALM
    ours = emails.clarify_phone_email({"customer_name": "Maria Costa", "company": "Wayfarer Stays"})["body"]
    ours += "\nWayfarer Stays front desk: +44 7911 123456"  # a valid number that belongs to us, not the customer
    if quote_style == "angle":
        earlier = "On Mon, Wayfarer Stays wrote:\n" + "\n".join("> " + line for line in ours.splitlines())
    else:  # clients that quote under an "Original Message" header without ">" marks
        earlier = "-----Original Message-----\n" + ours
    text = f"Looking forward to it.\n\n{earlier}"
    update = await parse_reply(await replied_state(services, text), rt)

    assert update["stage"] == "phone_missing"
    assert update.get("phone") is None


async def test_a_number_above_the_quoted_email_is_found(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    text = "Sure, +351 912 345 678.\n\nOn Mon, Wayfarer Stays wrote:\n> (for example +44 7911 123456)?"
    update = await parse_reply(await replied_state(services, text), rt)
    assert update["phone"] == "+351912345678"


async def test_a_national_number_is_read_in_the_customer_s_region_and_its_consent_kept(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    state = await replied_state(services, "Ligue-me: 912 345 678")
    state["ticket"] = {**state["ticket"], "customer": {**state["ticket"]["customer"], "region": "PT"}}
    state["replies"][-1]["received_at"] = "2026-11-24T10:00:00+00:00"
    update = await parse_reply(state, rt)
    assert update["phone"] == "+351912345678"
    assert update["phone_details"] == {"e164": "+351912345678", "type": "mobile", "region": "PT", "consent": {
        "message_id": "<r1@customer.example.com>", "at": "2026-11-24T10:00:00+00:00", "text": "912 345 678"}}
    # Without the customer's region, the helpdesk locale decides; without both, DEFAULT_PHONE_REGION (GB).
    state["ticket"] = {**state["ticket"], "customer": {**state["ticket"]["customer"], "region": None}, "locale": "pt-PT"}
    assert (await parse_reply(state, rt))["phone"] == "+351912345678"
    state["ticket"] = {**state["ticket"], "locale": None}
    assert (await parse_reply(state, rt)).get("phone") != "+351912345678"


@pytest.mark.parametrize("text", [
    "Can you just email me the details instead?", "Please don't call me, email only.",
    "I'd rather not share my number, sorry.", "No calls please — I prefer email.",
])
async def test_a_customer_who_declines_a_call_continues_by_email(rt, services, llm, text):
    llm.answers["ReplyMood"] = CALM
    update = await parse_reply(await replied_state(services, text), rt)
    assert update["stage"] == "email_only" and update["contact_by"] == "email"
    assert update["profile"]["prefers_email"] is True and "phone_misses" not in update


@pytest.mark.parametrize("text", ["Please don't call me before 5pm: +351 912 345 678", "Call me on +351 912 345 678, not by email"])
async def test_a_time_to_call_is_not_a_refusal(rt, services, llm, text):
    llm.answers["ReplyMood"] = CALM
    assert (await parse_reply(await replied_state(services, text), rt))["stage"] == "phone_found"


async def test_the_requested_call_time_is_kept_in_the_customers_zone(rt, services, llm):
    llm.answers["TriageDecision"] = CALM
    llm.answers["CallTimeRequest"] = {"call_at_local": "2099-01-15T18:00"}
    update = await parse_reply(await replied_state(services, "Sure: +49 151 23456789, call me after 6pm."), rt)

    assert update["call_at"] == "2099-01-15T18:00:00+01:00"  # Berlin, from the German number
    [data] = sent_data(llm, "CallTimeRequest")
    assert data["text"] == "Sure: +49 151 23456789, call me after 6pm."
    assert data["now_local"].endswith(("+01:00", "+02:00"))  # the customer's clock, not the server's
    assert "2099-01-15T18:00:00+01:00" in update["log"][-1]["text"]


async def test_a_number_spanning_zones_reads_the_time_where_it_comes_last(rt, services, llm):
    llm.answers["TriageDecision"] = CALM
    llm.answers["CallTimeRequest"] = {"call_at_local": "2099-01-15T18:00"}
    update = await parse_reply(await replied_state(services, "My number is +34 612 345 678, call me after 6pm."), rt)
    # Madrid or the Canaries: 18:00 in the Canaries is the later instant, so "after 6pm" holds in both.
    assert update["call_at"] == "2099-01-15T18:00:00+00:00"


@pytest.mark.parametrize("answer", [None, "not a time", "2001-01-01T10:00"])
async def test_no_past_or_malformed_call_time_is_kept(rt, services, llm, answer):
    llm.answers["TriageDecision"] = CALM
    llm.answers["CallTimeRequest"] = {"call_at_local": answer}
    update = await parse_reply(await replied_state(services, "Call me on +351 912 345 678"), rt)
    assert update["stage"] == "phone_found" and update["call_at"] is None


@pytest.mark.parametrize("text", ["Call me on 07911 123456.", "Call me. My mobile is 07911 123456.", "Sorry! My number is 07911 123456."])
async def test_a_bare_call_request_is_the_answer_asked_for_not_a_complaint(rt, services, text):
    update = await parse_reply(await replied_state(services, text), rt)
    assert (update["stage"], update["phone"]) == ("phone_found", "+447911123456")


async def test_an_angry_call_request_still_escalates(rt, services, llm):
    llm.answers["ReplyMood"] = ANGRY
    update = await parse_reply(await replied_state(services, "Call me on 07911 123456 now, this is ridiculous."), rt)
    assert update["stage"] == "escalating"
    [data] = sent_data(llm, "ReplyMood")  # the screen found it upset, so the model read it too
    assert "ridiculous" in data["reply"]["body"]


SIGNED = "Yes please, give me a call any afternoon!\n\n-- \nAna Costa\nMobile: +351 912 345 678"


async def test_a_number_only_in_the_signature_is_asked_about_never_dialled(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    update = await parse_reply(await replied_state(services, SIGNED), rt)
    assert "phone" not in update
    assert (update["stage"], update["phone_choices"], update["phone_misses"]) == ("phone_missing", ["+351 912 345 678"], 1)
    assert "signature" in update["log"][-1]["text"] and "912 345 678" not in update["log"][-1]["text"]


async def test_a_yes_to_the_signature_number_is_the_number(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    state = await replied_state(services, "Yes, that's fine.", phone_choices=["+351 912 345 678"], phone_misses=1)
    update = await parse_reply(state, rt)
    assert (update["stage"], update["phone"], update["phone_choices"]) == ("phone_found", "+351912345678", [])


async def test_anything_but_a_yes_to_the_signature_number_is_a_second_miss(rt, services, llm):
    llm.answers["ReplyMood"] = CALM
    state = await replied_state(services, "Hmm, not sure that's the best one.", phone_choices=["+351 912 345 678"], phone_misses=1)
    update = await parse_reply(state, rt)
    assert update["stage"] == "escalating" and "phone" not in update
