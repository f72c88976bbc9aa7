from __future__ import annotations

from concierge.agents.send_email import send_email
from concierge.tools.email.addresses import thread_from_reply_address
from tests.agents.helpers import apply, outbox, ticket_state

DRAFT = {"kind": "offer", "subject": "Re: Lisbon in April — a quiet room for 3",
         "body": "Dear Maria,\n\nHere is what we can offer.\n\nWayfarer Stays Concierge"}


async def test_send_email_writes_one_threaded_message_to_the_outbox(rt, services, settings):
    state = await ticket_state(services, "1001", path="booking", stage="drafted", draft=DRAFT)
    update = await send_email(state, rt)

    [msg] = outbox(settings.outbox_dir)
    assert msg["To"].addresses[0].addr_spec == "maria.costa@example.com"
    assert msg["Subject"] == DRAFT["subject"]
    assert str(msg["Reply-To"]).startswith("reply+local.1001.") and str(msg["Reply-To"]).endswith("@concierge.example.com")
    assert msg["In-Reply-To"] is None  # the first email answers nothing we sent
    assert msg.get_body(("plain",)).get_content().strip() == DRAFT["body"].strip()

    [record] = update["emails"]
    assert record["message_id"] == msg["Message-ID"]
    assert record["kind"] == "offer" and record["to"] == "maria.costa@example.com"
    assert update["stage"] == "email_sent"
    assert update["draft"] is None
    # A reply quoting this Message-ID finds its thread, and so does the reply address.
    assert await services.store.thread_for(f"email:{msg['Message-ID']}") == "local:1001"
    assert thread_from_reply_address(str(msg["Reply-To"]), settings.signing_key) == "local:1001"
    # The token is keyed: the address of another ticket cannot be derived from this one.
    forged = str(msg["Reply-To"]).replace("local.1001.", "local.1004.")
    assert thread_from_reply_address(forged, settings.signing_key) is None
    assert thread_from_reply_address("reply+local.1001@concierge.example.com", settings.signing_key) is None
    # The customer's address is masked in the operator timeline.
    assert "maria.costa@example.com" not in update["log"][-1]["text"]


async def test_a_follow_up_is_threaded_to_the_customers_reply(rt, services, settings):
    state = await ticket_state(services, "1001", path="booking", stage="drafted")
    first = await send_email({**state, "draft": DRAFT}, rt)
    state = apply(state, first)
    state = apply(state, {"replies": [{"from": "maria.costa@example.com", "text": "Sounds lovely",
                                       "message_id": "<reply-1@customer.example.com>"}]})
    clarify = {"kind": "clarify_phone", "subject": DRAFT["subject"], "body": "Could you send your number?"}
    second = await send_email({**state, "draft": clarify}, rt)

    messages = {m["Message-ID"]: m for m in outbox(settings.outbox_dir)}
    assert len(messages) == 2
    follow_up = messages[second["emails"][0]["message_id"]]
    assert follow_up["In-Reply-To"] == "<reply-1@customer.example.com>"
    # The whole conversation, oldest first: our offer, then the reply it answers.
    assert str(follow_up["References"]).split() == [first["emails"][0]["message_id"], "<reply-1@customer.example.com>"]
    assert second["emails"][0]["kind"] == "clarify_phone"


async def test_references_follow_the_order_of_the_conversation(rt, services, settings):
    state = await ticket_state(services, "1006", path="booking", stage="drafted")
    for n in (1, 2):
        state = apply(state, await send_email({**state, "draft": {**DRAFT, "kind": "offer" if n == 1 else "clarify_phone"}}, rt))
        state = apply(state, {"replies": [{"text": "no number", "message_id": f"<reply-{n}@customer.example.com>"}]})
    third = await send_email({**state, "draft": {**DRAFT, "kind": "offer"}}, rt)

    sent = {m["Message-ID"]: m for m in outbox(settings.outbox_dir)}
    last = sent[third["emails"][0]["message_id"]]
    e1, e2 = (e["message_id"] for e in state["emails"])
    assert str(last["References"]).split() == [e1, "<reply-1@customer.example.com>", e2, "<reply-2@customer.example.com>"]
    assert last["In-Reply-To"] == "<reply-2@customer.example.com>"


async def test_sending_the_same_state_twice_sends_once(rt, services, settings):
    state = await ticket_state(services, "1001", path="booking", stage="drafted", draft=DRAFT)
    first = await send_email(state, rt)
    again = await send_email(state, rt)  # a retried or replayed node

    assert len(outbox(settings.outbox_dir)) == 1
    assert again["emails"][0]["message_id"] == first["emails"][0]["message_id"]
    assert again["emails"][0]["sent_at"] == first["emails"][0]["sent_at"]
    assert "already sent" in again["log"][-1]["text"]
    assert "already sent" not in first["log"][-1]["text"]
    assert len(await services.store.effects("local:1001")) == 1


async def test_a_refused_address_escalates_with_the_provider_reason_and_records_no_send(services, settings):
    from concierge.tools.email.sendgrid import SendGridSender
    from tests.agents.helpers import runtime_for
    from tests.fakes.loopback import LOCAL
    from tests.fakes.sendgrid import FakeSendGrid, serve_fake_sendgrid

    with serve_fake_sendgrid(FakeSendGrid(bounce_addresses={"maria.costa@example.com"})) as fake:
        services.email = SendGridSender(fake.api_key, sender=settings.email_from, base_url=fake.url, policy=LOCAL)
        state = await ticket_state(services, "1001", path="booking", stage="drafted", draft=DRAFT)
        update = await send_email(state, runtime_for(services))
    assert update["stage"] == "escalating" and "emails" not in update
    [reason] = update["escalation"]["reasons"]
    assert "could not be delivered" in reason and "valid address" in reason
    assert "maria.costa@example.com" not in reason  # masked
    [effect] = await services.store.effects("local:1001")  # recorded as failed, not as sent
    assert effect["status"] == "failed" and effect["result"] is None
