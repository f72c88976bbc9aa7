"""Decisions that fit the case, a person's reply in the customer's email thread, their notes on the
helpdesk ticket, LangChain's human-in-the-loop shape over the API, and masking in every view."""

from __future__ import annotations

import json
import re

from concierge.cli.demo import send_customer_reply
from tests.server import THREADS, alerts, assign, outbox_messages, thread, world
from tests.server.test_threads import escalated_after_call, resume


# --- the decisions offered fit why the thread waits ----------------------------------------------------
async def test_a_complaint_escalated_at_once_offers_no_approve_and_no_retry(client, runtime):
    detail = await assign(client, runtime, "1003")  # a billing complaint: nothing sent, nothing said
    assert detail["waiting_for"] == "human"
    assert detail["actions"] == ["close", "handoff", "reply"]
    assert [row["actions"] for row in (await client.get(THREADS)).json()] == [["close", "handoff", "reply"]]
    assert detail["review"]["draft"]["body"]  # the AI drafted a reply for the person
    [request] = detail["review"]["action_requests"]
    assert request["name"] == "reply" and request["args"]["body"] == detail["review"]["draft"]["body"]

    before = await world(client, runtime, "local:1003", "1003")
    for action in ("approve", "retry"):  # approve would mark it solved, retry would send a sales offer
        r = await resume(client, "local:1003", action=action, note="x", by="sofia")
        assert r.status_code == 409
        assert "close, handoff, reply" in r.json()["detail"]
    await runtime.queue.join()
    assert await world(client, runtime, "local:1003", "1003") == before


async def test_after_a_call_every_decision_fits(client, runtime):
    detail = await escalated_after_call(client, runtime)
    assert detail["actions"] == ["approve", "retry", "close", "handoff", "reply"]


async def test_while_a_call_is_pending_only_close_and_handoff(client, runtime):
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Call me on 07911 123456.")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1005")
    assert (detail["waiting_for"], detail["actions"]) == ("call_report", ["close", "handoff"])


# --- reply -----------------------------------------------------------------------------------------------
async def test_a_persons_reply_goes_out_in_the_customers_email_thread_and_waits_again(client, runtime):
    before = await escalated_after_call(client, runtime)
    [offer] = before["emails"]
    r = await resume(client, "local:1005", action="reply", body="Dear Mr Okafor,\n\nI am sorry about the call. I booked the room.",
                     note="booked it myself", by="sofia")
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["waiting_for"] == "email_reply" and detail["actions"] == ["close", "handoff", "reply"]
    assert [e["kind"] for e in detail["emails"]] == ["offer", "human_reply"]

    # Threaded: it answers the customer's reply, which answered the offer; through the normal send path.
    sent = outbox_messages(runtime)[detail["emails"][1]["message_id"]]
    customer_reply = "<reply-1005-1@customer.example.com>"
    assert sent["In-Reply-To"] == customer_reply
    assert sent["References"].split() == [offer["message_id"], customer_reply]
    assert sent["Subject"] == f"Re: {offer['subject'].removeprefix('Re: ')}"
    assert "I booked the room." in sent.get_body(("plain",)).get_content()
    keys = {e["key"] for e in await runtime.services.store.effects("local:1005")}
    assert "local:1005:email:2" in keys and "local:1005:decision:1:note" in keys

    # The person's reply and note are on the ticket, once.
    notes = await runtime.services.helpdesk.notes("1005")
    assert len(notes) == 2
    assert "sofia replied to the customer" in notes[1] and "I booked the room." in notes[1] and "booked it myself" in notes[1]

    # The customer's answer goes to a person, not back to the AI's flow.
    (await send_customer_reply(client, runtime, "local:1005", "Thank you, that is perfect. Call me on 07911 123456.")).raise_for_status()
    await runtime.queue.join()
    after = await thread(client, "local:1005")
    assert after["waiting_for"] == "human" and after["escalations"] == 2
    assert "The customer answered the reply sofia sent" in after["escalation"]["reasons"][0]
    assert len(after["calls"]) == 1  # no call placed on the strength of a number given to a person


async def test_a_reply_sent_twice_without_a_key_sends_one_email(client, runtime):
    await assign(client, runtime, "1003")  # waits for a person
    body = {"action": "reply", "body": "Dear Mr Novak,\n\nI have refunded the second charge.", "by": "sofia"}
    first, again = await resume(client, "local:1003", **body), await resume(client, "local:1003", **body)
    assert first.status_code == again.status_code == 200, again.text
    assert [e["kind"] for e in again.json()["emails"]] == ["human_reply"]  # the second landed on nothing
    assert len(outbox_messages(runtime)) == 1 and len(await runtime.services.helpdesk.notes("1003")) == 2

    # Once the customer has answered, the same words are a new reply.
    (await send_customer_reply(client, runtime, "local:1003", "Thank you, but I was charged a third time.")).raise_for_status()
    await runtime.queue.join()
    assert (await resume(client, "local:1003", **body)).status_code == 200
    assert len(outbox_messages(runtime)) == 2


async def test_a_reply_that_closes_resolves_the_ticket_with_one_note_each(client, runtime):
    await assign(client, runtime, "1003")
    r = await resume(client, "local:1003", action="reply", subject="Your double charge", then="close",
                     body="Dear Mr Hale,\n\nThe second charge is refunded today.", note="refund #R-2231", by="sofia")
    assert r.status_code == 200, r.text
    detail = r.json()
    assert (detail["stage"], detail["outcome"]["status"]) == ("done", "resolved")
    [sent] = outbox_messages(runtime).values()
    assert sent["Subject"] == "Your double charge" and sent["To"].addresses[0].addr_spec == "richard.hale@example.org"

    ticket = await runtime.services.helpdesk.get_ticket("1003")
    assert ticket.status == "solved"
    notes = await runtime.services.helpdesk.notes("1003")
    assert len(notes) == 3  # the escalation, the person's reply with their note, the closing
    assert sum("refund #R-2231" in n for n in notes) == 1 and "refunded today" in notes[1]
    assert [a["kind"] for a in alerts(runtime)] == ["escalation", "success"]


async def test_a_reply_without_a_body_is_422_and_changes_nothing(client, runtime):
    await assign(client, runtime, "1003")
    before = await world(client, runtime, "local:1003", "1003")
    r = await resume(client, "local:1003", action="reply", body="  ")
    assert r.status_code == 422 and "body" in r.json()["detail"]
    r = await resume(client, "local:1003", action="reply", body="hi", subject="a\r\nBcc: x@example.com")
    assert r.status_code == 422
    await runtime.queue.join()
    assert await world(client, runtime, "local:1003", "1003") == before


async def test_a_retry_note_reaches_the_helpdesk(client, runtime):
    await escalated_after_call(client, runtime)
    (await resume(client, "local:1005", action="retry", note="customer asked for a callback at 6", by="sofia")).raise_for_status()
    notes = await runtime.services.helpdesk.notes("1005")
    assert len(notes) == 2
    assert "sofia asked Concierge to try again (a new call)" in notes[1] and "callback at 6" in notes[1]


# --- LangChain's human-in-the-loop shape over the API --------------------------------------------------
async def test_hitl_decisions_are_taken_over_the_api(client, runtime):
    await assign(client, runtime, "1003")
    r = await client.post(f"{THREADS}/local:1003/resume",
                          json={"decisions": [{"type": "reject", "message": "I will phone him"}], "by": "sofia"})
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["human_decision"] == {"action": "handoff", "note": "I will phone him", "by": "sofia"}
    assert detail["outcome"]["status"] == "handed_off"


async def test_a_hitl_edit_to_a_decision_that_does_not_fit_is_409(client, runtime):
    await assign(client, runtime, "1003")
    before = await world(client, runtime, "local:1003", "1003")
    r = await client.post(f"{THREADS}/local:1003/resume",
                          json={"decisions": [{"type": "edit", "edited_action": {"name": "approve", "args": {}}}]})
    assert r.status_code == 409
    await runtime.queue.join()
    assert await world(client, runtime, "local:1003", "1003") == before


# --- masking -----------------------------------------------------------------------------------------------
DIGITS = re.compile(r"912\D?345\D?678|07911\D?123\D?456|7911123456")


async def test_no_view_of_the_api_shows_a_phone_number_or_address(client, runtime):
    await assign(client, runtime, "1006")
    for text in ("Either +351 912 345 678 or 07911 123456 — your pick.", "Again: +351 912 345 678 or 07911 123456"):
        (await send_customer_reply(client, runtime, "local:1006", text)).raise_for_status()
        await runtime.queue.join()
    detail = await thread(client, "local:1006")
    assert detail["waiting_for"] == "human"  # the reason quotes the reply, numbers and all
    reply = await resume(client, "local:1006", action="reply", body="We will call +351 912 345 678 tomorrow.",
                         note="customer prefers 07911 123456", by="sofia")
    assert reply.status_code == 200, reply.text
    views = {"list": (await client.get(THREADS)).text, "detail": (await client.get(f"{THREADS}/local:1006")).text,
             "resume": reply.text}
    for name, text in views.items():
        assert not DIGITS.search(text), (name, DIGITS.search(text))
        assert "@example.com" not in text.replace("***@example.com", ""), name
    assert "•••" in json.loads(views["list"])[0]["outcome"]["summary"]
