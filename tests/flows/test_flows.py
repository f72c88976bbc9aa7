"""End-to-end flows of the three paths and their branches, driven only through the HTTP routes
(and the demo's `send_customer_reply` / `report_call`, which post to them), plus exactly-once
side effects under replay and pending events surviving a restart."""

from __future__ import annotations

import asyncio
import json

from langgraph.types import Command

from concierge.cli.demo import report_call, send_customer_reply
from concierge.graph.context import Context
from concierge.runtime.process import open_runtime
from tests.server import THREADS, WEBHOOKS, alert_lines, alerts, asgi_client, assign, call_files, nodes, outbox_files, outbox_messages, thread, world


async def reply(client, runtime, thread_id, text) -> dict:
    (await send_customer_reply(client, runtime, thread_id, text)).raise_for_status()
    await runtime.queue.join()
    return await thread(client, thread_id)


async def call(client, runtime, thread_id, persona) -> dict:
    (await report_call(client, runtime, thread_id, persona)).raise_for_status()
    await runtime.queue.join()
    return await thread(client, thread_id)


def call_record(runtime, call_id) -> dict:
    return json.loads((runtime.settings.calls_dir / f"{call_id}.json").read_text())


# --- booking ----------------------------------------------------------------------------------------
async def test_booking_offer_reply_call_booked_resolved(client, runtime):
    helpdesk = runtime.services.helpdesk
    detail = await assign(client, runtime, "1001")
    assert detail["path"] == "booking" and detail["waiting_for"] == "email_reply"
    assert detail["profile"]["destination"] == "Lisbon" and detail["profile"]["party_size"] == 3

    # The offer: quiet Lisbon rooms for three (the customer complained about noise before), with real prices.
    offers = detail["offers"]
    assert offers and all(o["city"] == "Lisbon" and o["capacity"] >= 3 and o["quiet"] for o in offers)
    [offer_email] = detail["emails"]
    assert offer_email["kind"] == "offer"
    assert offers[0]["hotel_name"] in offer_email["body"]
    assert "Bairro Alto" not in offer_email["body"]
    sent = outbox_messages(runtime)[offer_email["message_id"]]
    assert sent["To"].addresses[0].addr_spec == "maria.costa@example.com"
    assert str(sent["Reply-To"]).startswith("reply+local.1001.")
    assert sent["In-Reply-To"] is None

    detail = await reply(client, runtime, "local:1001", "Thanks, that looks lovely! You can reach me on +351 912 345 678, afternoons are best.")
    assert detail["waiting_for"] == "call_report"
    [placed] = detail["calls"]
    record = call_record(runtime, placed["call_id"])
    assert record["request"]["to"] == "+351912345678"
    assert offers[0]["hotel_name"] in record["request"]["system_prompt"]

    detail = await call(client, runtime, "local:1001", "books")
    assert detail["stage"] == "done" and detail["waiting_for"] is None
    assert detail["call_analysis"]["booked"] is True
    assert detail["call_analysis"]["booked_room_id"] == offers[0]["room_id"]
    assert detail["outcome"]["status"] == "resolved"
    assert offers[0]["hotel_name"] in detail["outcome"]["summary"]

    ticket = await helpdesk.get_ticket("1001")
    assert ticket.status == "solved"
    [note] = await helpdesk.notes("1001")
    assert "Transcript:" in note
    assert "Assistant: Hello, this is the travel team at Wayfarer Stays. Am I speaking with Maria?" in note
    assert "Customer: Yes, that sounds perfect. Please book it for the dates I mentioned." in note
    [alert] = alerts(runtime)
    assert alert["kind"] == "success" and alert["thread_id"] == "local:1001"
    assert "1001" in alert["title"] and offers[0]["hotel_name"] in alert["text"]
    # A booking is a booking: the customer gets it in writing, threaded to the conversation.
    offer_email, confirmation = detail["emails"]
    assert confirmation["kind"] == "booking_confirmation" and len(outbox_files(runtime)) == 2
    sent = outbox_messages(runtime)[confirmation["message_id"]]
    assert sent["In-Reply-To"] == detail["replies"][-1]["message_id"]
    booking = detail["booking"]
    body = sent.get_body(("plain",)).get_content()
    for fact in (offers[0]["hotel_name"], offers[0]["room_name"], "2027-04-14 to 2027-04-18 (4 nights)", "Guests: 3",
                 f"€{offers[0]['price_per_night']:,.0f} per night", booking["reference"],
                 "Refundable rates can be cancelled free of charge up to 48 hours"):
        assert fact in body, fact
    assert booking["price_per_night"] == offers[0]["price_per_night"] and booking["guests"] == 3
    assert booking["total_price"] == offers[0]["price_per_night"] * 4 and booking["nights"] == 4
    assert booking["reference"] in detail["outcome"]["summary"] and "delivered" not in booking  # no booking system set
    ended = detail["calls"][0]
    assert ended["ended_reason"] == "assistant-ended-call" and ended["duration_s"] > 0 and ended["cost"] > 0
    assert detail["call_seconds"] == ended["duration_s"] and detail["call_cost"] == ended["cost"]


# --- support ----------------------------------------------------------------------------------------
async def test_support_answers_once_by_email_and_resolves(client, runtime):
    detail = await assign(client, runtime, "1002")
    assert detail["path"] == "support"
    assert detail["stage"] == "done" and detail["waiting_for"] is None
    [answer] = detail["emails"]
    assert answer["kind"] == "support_answer"
    assert "Check-in is from 15:00 and check-out is by 11:00" in answer["body"]
    assert "Luggage can be left from 08:00 on arrival day" in answer["body"]  # the early bag drop part
    assert detail["calls"] == [] and call_files(runtime) == []
    assert detail["outcome"]["status"] == "resolved"

    assert len(outbox_files(runtime)) == 1
    assert (await runtime.services.helpdesk.get_ticket("1002")).status == "solved"
    [note] = await runtime.services.helpdesk.notes("1002")
    assert "Check-in is from 15:00" in note
    assert [a["kind"] for a in alerts(runtime)] == ["success"]


# --- escalation -------------------------------------------------------------------------------------
async def test_escalation_sends_no_email_and_waits_for_a_human_then_handoff(client, runtime):
    helpdesk = runtime.services.helpdesk
    detail = await assign(client, runtime, "1003")
    assert detail["path"] == "escalate"
    assert detail["waiting_for"] == "human" and detail["stage"] == "awaiting_human"
    assert detail["emails"] == [] and outbox_files(runtime) == []
    assert any("I want to speak to a real person NOW." in r for r in detail["escalation"]["reasons"])

    ticket = await helpdesk.get_ticket("1003")
    assert (ticket.status, ticket.assignee) == ("escalated", "Human Queue")
    [alert] = alerts(runtime)
    assert alert["kind"] == "escalation"
    assert "I want to speak to a real person NOW.”" in alert["text"]  # quoted as written
    [note] = await helpdesk.notes("1003")
    assert "I want to speak to a real person NOW." in note
    # A direct escalation carries a profile from the whole history and cites the earlier double-charge tickets.
    assert detail["profile"]["past_friction"]
    assert {t["id"] for t in detail["escalation"]["related_tickets"]} == {"811", "836"}
    assert "#811" in note and "#836" in note and "Profile:" in note

    r = await client.post(f"{THREADS}/local:1003/resume", json={"action": "handoff", "note": "I'll call him", "by": "marta"})
    assert r.status_code == 200
    assert r.json()["outcome"]["status"] == "handed_off"
    ticket = await helpdesk.get_ticket("1003")
    assert (ticket.status, ticket.assignee) == ("open", "Human Queue")
    assert outbox_files(runtime) == []
    assert [a["kind"] for a in alerts(runtime)] == ["escalation", "info"]


# --- phone number branches --------------------------------------------------------------------------
async def test_reply_without_a_number_gets_one_follow_up_then_a_call(client, runtime):
    await assign(client, runtime, "1004")
    detail = await reply(client, runtime, "local:1004", "Sounds great — yes please give me a call to sort it out!")
    assert detail["waiting_for"] == "email_reply"
    assert [e["kind"] for e in detail["emails"]] == ["offer", "clarify_phone"]
    assert detail["calls"] == []
    assert len(outbox_files(runtime)) == 2

    # The follow-up is threaded under the customer's reply.
    customer_reply_id = detail["replies"][0]["message_id"]
    assert customer_reply_id == "<reply-1004-1@customer.example.com>"
    follow_up = outbox_messages(runtime)[detail["emails"][1]["message_id"]]
    assert follow_up["In-Reply-To"] == customer_reply_id
    assert customer_reply_id in follow_up["References"]
    assert "phone number" in follow_up.get_body(("plain",)).get_content()

    detail = await reply(client, runtime, "local:1004", "Sorry! My number is +34 612 345 678.")
    assert detail["waiting_for"] == "call_report"
    [placed] = detail["calls"]
    assert call_record(runtime, placed["call_id"])["request"]["to"] == "+34612345678"
    assert len(outbox_files(runtime)) == 2

    detail = await call(client, runtime, "local:1004", "books")
    assert detail["outcome"]["status"] == "resolved"
    assert (await runtime.services.helpdesk.get_ticket("1004")).status == "solved"


async def test_two_replies_without_a_number_escalate(client, runtime):
    await assign(client, runtime, "1001")
    await reply(client, runtime, "local:1001", "These look lovely, thank you.")
    detail = await reply(client, runtime, "local:1001", "Any time is fine really.")

    assert detail["waiting_for"] == "human"
    assert detail["outcome"]["status"] == "escalated"
    [reason] = detail["escalation"]["reasons"]
    assert reason.startswith("No usable phone number")
    assert "Any time is fine really." in reason
    assert [e["kind"] for e in detail["emails"]] == ["offer", "clarify_phone"]  # no third email
    assert detail["calls"] == [] and call_files(runtime) == []
    assert (await runtime.services.helpdesk.get_ticket("1001")).status == "escalated"
    [alert] = alerts(runtime)
    assert alert["kind"] == "escalation" and "No usable phone number" in alert["text"]


async def test_customer_who_declines_a_call_books_by_email(client, runtime):
    detail = await assign(client, runtime, "1006")
    offers = detail["offers"]
    detail = await reply(client, runtime, "local:1006", "Can you just email me the details instead? I'd rather not share my number, sorry.")
    assert detail["waiting_for"] == "email_reply"
    assert detail["profile"]["prefers_email"] is True
    assert [e["kind"] for e in detail["emails"]] == ["offer", "confirm_by_email"]
    confirm = outbox_messages(runtime)[detail["emails"][1]["message_id"]].get_body(("plain",)).get_content()
    assert offers[0]["hotel_name"] in confirm and "reply \"yes\"" in confirm
    assert "phone number" not in confirm and "call you" not in confirm

    detail = await reply(client, runtime, "local:1006", "Yes please, book it for us. Thank you!")
    assert detail["stage"] == "done" and detail["waiting_for"] is None
    assert detail["outcome"]["status"] == "resolved"
    assert detail["outcome"]["summary"].startswith(f"Booked by email: {offers[0]['hotel_name']}")
    assert detail["calls"] == [] and call_files(runtime) == []
    assert (await runtime.services.helpdesk.get_ticket("1006")).status == "solved"
    [note] = await runtime.services.helpdesk.notes("1006")
    assert "declined a call" in note and "Yes please, book it for us." in note
    [alert] = alerts(runtime)
    assert alert["kind"] == "success" and "Booked by email" in alert["text"]
    # Confirmed in writing like a booking made on a call, with no call to speak of.
    booking = detail["booking"]
    assert (booking["channel"], booking["call"], booking["room_id"]) == ("email", None, offers[0]["room_id"])
    assert booking["price_per_night"] == offers[0]["price_per_night"] and booking["reference"] in note
    assert [e["kind"] for e in detail["emails"]] == ["offer", "confirm_by_email", "booking_confirmation"]
    confirmation = outbox_messages(runtime)[detail["emails"][2]["message_id"]]
    assert confirmation["In-Reply-To"] == detail["replies"][-1]["message_id"]
    assert "Thank you for confirming. Your stay is booked" in confirmation.get_body(("plain",)).get_content()


async def test_declining_customer_with_an_unclear_answer_goes_to_a_human_not_no_phone(client, runtime):
    await assign(client, runtime, "1006")
    await reply(client, runtime, "local:1006", "Please don't call me, email only.")
    detail = await reply(client, runtime, "local:1006", "Hmm, is breakfast included in that?")
    assert detail["waiting_for"] == "human" and detail["outcome"]["status"] == "escalated"
    [reason] = detail["escalation"]["reasons"]
    assert "unclear" in reason and "phone" not in reason.lower().replace("no calls", "")
    assert detail["calls"] == []


async def test_several_numbers_ask_which_one(client, runtime):
    await assign(client, runtime, "1001")
    detail = await reply(client, runtime, "local:1001", "Mobile +351 912 345 678 or the office on +351 213 456 789.")
    assert [e["kind"] for e in detail["emails"]] == ["offer", "which_phone"] and detail["calls"] == []
    ask = outbox_messages(runtime)[detail["emails"][1]["message_id"]].get_body(("plain",)).get_content()
    assert "+351 912 345 678" in ask and "+351 213 456 789" in ask
    detail = await reply(client, runtime, "local:1001", "The mobile please: +351 912 345 678")
    [placed] = detail["calls"]
    assert call_record(runtime, placed["call_id"])["request"]["to"] == "+351912345678"


async def test_frustrated_call_escalates_with_the_customers_words(client, runtime):
    await assign(client, runtime, "1005")
    detail = await reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")
    assert call_record(runtime, detail["calls"][0]["call_id"])["request"]["to"] == "+447911123456"
    detail = await call(client, runtime, "local:1005", "frustrated")

    assert detail["waiting_for"] == "human"
    assert detail["call_analysis"]["frustrated"] is True and detail["call_analysis"]["booked"] is False
    reasons = detail["escalation"]["reasons"]
    assert "Customer asks for a person on the call: “No. I'm not happy, I want to speak to a real person, not a robot.”" in reasons
    assert any("This is ridiculous." in r for r in reasons)
    assert detail["escalation"]["source"] == "call"
    assert (await runtime.services.helpdesk.get_ticket("1005")).status == "escalated"
    [note] = await runtime.services.helpdesk.notes("1005")
    assert "Customer: No. I'm not happy, I want to speak to a real person, not a robot." in note
    [alert] = alerts(runtime)
    assert alert["kind"] == "escalation" and "not a robot" in alert["text"]


# --- exactly once -----------------------------------------------------------------------------------
async def _booked(client, runtime) -> None:
    await assign(client, runtime, "1001")
    await reply(client, runtime, "local:1001", "Call me on +351 912 345 678")
    detail = await call(client, runtime, "local:1001", "books")
    assert detail["stage"] == "done"


async def test_rerunning_closer_on_a_finished_thread_repeats_no_write(client, runtime):
    await _booked(client, runtime)
    config = runtime.runner.config("local:1001")
    before = await world(client, runtime, ticket_id="1001")
    keys = {e["key"] for e in await runtime.services.store.effects("local:1001")}
    assert {"local:1001:close:note", "local:1001:close:status", "local:1001:close:alert"} <= keys

    await runtime.graph.aupdate_state(config, Command(update={"stage": "closing"}, goto="closer"), as_node="call_analyst")
    await runtime.graph.ainvoke(None, config, context=Context(services=runtime.services))

    detail = await thread(client, "local:1001")
    assert len(nodes(detail, "closer")) == 2  # closer did run again
    assert detail["stage"] == "done"
    after = await world(client, runtime, ticket_id="1001")
    assert len(after["notes"]) == len(before["notes"]) == 1
    assert after["alerts"] == before["alerts"]
    assert after["outbox"] == before["outbox"]
    assert {e["key"] for e in await runtime.services.store.effects("local:1001")} == keys
    assert after["effects"] == before["effects"]


async def _replay_from(runtime, thread_id: str, node: str) -> None:
    """Fork the thread from the checkpoint taken just before `node` ran, and run it from there."""
    config = runtime.runner.config(thread_id)
    history = [s async for s in runtime.graph.aget_state_history(config)]
    before_node = [s for s in history if s.next == (node,)][-1]  # its first run (history is newest first)
    await runtime.graph.ainvoke(None, before_node.config, context=Context(services=runtime.services))


async def test_replaying_send_email_and_voice_dispatcher_sends_and_dials_nothing_new(client, runtime):
    await _booked(client, runtime)
    before = await world(client, runtime, ticket_id="1001")
    calls = {name: (runtime.settings.calls_dir / name).read_text() for name in call_files(runtime)}

    await _replay_from(runtime, "local:1001", "send_email")
    detail = await thread(client, "local:1001")
    assert "email already sent" in nodes(detail, "send_email")[-1]["text"]
    assert detail["waiting_for"] == "email_reply"

    await _replay_from(runtime, "local:1001", "voice_dispatcher")
    detail = await thread(client, "local:1001")
    assert "call already placed" in nodes(detail, "voice_dispatcher")[-1]["text"]
    assert detail["waiting_for"] == "call_report"

    after = await world(client, runtime, ticket_id="1001")
    for key in ("outbox", "alerts", "calls", "effects", "notes", "ticket"):
        assert after[key] == before[key], key
    assert {name: (runtime.settings.calls_dir / name).read_text() for name in call_files(runtime)} == calls


async def test_pending_event_is_processed_at_the_next_start(settings, kb):
    async def client_for(rt):
        return asgi_client(rt)

    async with open_runtime(settings, kb=kb) as rt:
        async with await client_for(rt) as c:
            await assign(c, rt, "1001")
            offer = (await thread(c, "local:1001"))["emails"][0]
        # Received but never queued, as if the process stopped right after recording it.
        payload = {"type": "email_reply", "from": "maria.costa@example.com", "subject": "Re: Lisbon",
                   "text": "Call me on +351 912 345 678", "message_id": "<crash@customer.example.com>",
                   "received_at": "2026-11-20T10:00:00+00:00"}
        assert await rt.services.store.record_event("email", "<crash@customer.example.com>", "email_reply", "local:1001", payload)
        await rt.queue.join()
        assert (await rt.runner.snapshot("local:1001")).values.get("replies") in (None, [])
        pending = await rt.services.store.pending_events()
        assert [e["event_id"] for e in pending if e["source"] != "timer"] == ["<crash@customer.example.com>"]

    async with open_runtime(settings, kb=kb) as rt:
        await rt.queue.join()
        async with await client_for(rt) as c:
            detail = await thread(c, "local:1001")
        assert [r["text"] for r in detail["replies"]] == ["Call me on +35•••78"]  # the API masks the number
        assert detail["waiting_for"] == "call_report"
        assert detail["emails"] == [offer]
        assert {e["event_id"]: e["status"] for e in detail["events"]} == {
            "assigned:local:1001": "done", "<crash@customer.example.com>": "done",
            "local:1001:email:1:reply_overdue": "pending"}  # the offer's reminder timer: ignored when due, the offer was answered
        assert [e["kind"] for e in await rt.services.store.pending_events()] == ["reply_overdue"]
        assert len(alert_lines(rt)) == 0 and len(call_files(rt)) == 1


async def until(condition, timeout_s: float = 20.0):
    """Poll `condition` (an async callable) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (result := await condition()):
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.05)
    return result


async def test_a_step_that_meets_an_outage_waits_and_carries_on_by_itself(settings, kb, monkeypatch):
    settings = settings.model_copy(update={"retry_backoff_s": 0.05})
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        helpdesk = runtime.services.helpdesk
        real_history, outage = helpdesk.customer_history, []

        async def helpdesk_down(ticket):
            outage.append(1)
            raise ConnectionError("helpdesk unreachable")

        monkeypatch.setattr(helpdesk, "customer_history", helpdesk_down)  # intake fails on every try
        assert (await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001"})).status_code == 202

        async def retried_twice():
            [event] = await runtime.services.store.events("local:1001")
            return event if len(outage) >= 6 and event["status"] == "pending" else None

        event = await until(retried_twice)  # pending, not failed: the thread waits for the helpdesk
        assert "helpdesk unreachable" in event["error"]
        snapshot = await runtime.runner.snapshot("local:1001")
        assert snapshot.next == ("intake",) and not snapshot.interrupts

        monkeypatch.setattr(helpdesk, "customer_history", real_history)  # the helpdesk is back
        await until(lambda: _waiting(client, "local:1001", "email_reply"))
        await runtime.queue.join()  # the run is over; its event is marked done right after
        detail = await thread(client, "local:1001")
        assert len(outbox_files(runtime)) == 1
        assert [(e["kind"], e["status"]) for e in detail["events"]] == [("ticket_assigned", "done"), ("reply_overdue", "pending")]
        assert alert_lines(runtime) == []


async def _waiting(client, thread_id, what):
    detail = await thread(client, thread_id)
    return detail if detail["waiting_for"] == what else None


async def test_an_event_whose_run_stopped_midway_is_finished_not_lost_or_repeated(settings, kb, monkeypatch):
    settings = settings.model_copy(update={"retry_backoff_s": 0.05})
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        voice = runtime.services.voice
        real_place_call, attempts = voice.place_call, []

        async def provider_down(request):
            attempts.append(1)
            raise ConnectionError("voice provider unreachable")

        monkeypatch.setattr(voice, "place_call", provider_down)
        (await send_customer_reply(client, runtime, "local:1001", "Call me on +351 912 345 678")).raise_for_status()
        await until(lambda: asyncio.sleep(0, len(attempts) >= 6))
        snapshot = await runtime.runner.snapshot("local:1001")
        assert snapshot.next == ("voice_dispatcher",) and not snapshot.interrupts  # the reply was read, the dial failed

        # When the provider is back, the retried event finishes the run once, without reading the reply twice.
        monkeypatch.setattr(voice, "place_call", real_place_call)
        detail = await until(lambda: _waiting(client, "local:1001", "call_report"))
    assert len(detail["replies"]) == 1 and len(detail["calls"]) == 1
    assert len(call_files(runtime)) == 1


async def test_a_step_that_fails_for_good_goes_to_a_person_with_the_error(client, runtime, monkeypatch):
    async def refuses(email):  # what a provider does with a header it cannot send
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(runtime.services.email, "send", refuses)
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001"})
    assert r.status_code == 202
    await runtime.queue.join()

    detail = await thread(client, "local:1001")
    assert detail["waiting_for"] == "human" and detail["outcome"]["status"] == "escalated"
    [reason] = detail["escalation"]["reasons"]
    assert "send_email" in reason and "linefeed" in reason
    assert [e["status"] for e in detail["events"]] == ["failed"]
    assert (await runtime.services.helpdesk.get_ticket("1001")).status == "escalated"
    assert [a["kind"] for a in alerts(runtime)] == ["escalation"]
    assert outbox_files(runtime) == []


async def test_a_number_only_in_the_signature_is_offered_back_and_a_yes_dials_it(client, runtime):
    await assign(client, runtime, "1001")
    detail = await reply(client, runtime, "local:1001",
                         "Lovely, yes please call me!\n\n-- \nMaria Costa\nOffice: +351 213 456 789\n")
    assert detail["waiting_for"] == "email_reply" and detail["calls"] == []
    asked = detail["emails"][-1]
    assert asked["kind"] == "which_phone"
    body = outbox_messages(runtime)[asked["message_id"]].get_body(("plain",)).get_content()
    assert "in your signature" in body and "+351 213 456 789" in body

    detail = await reply(client, runtime, "local:1001", "Yes, that one is fine.")
    assert detail["waiting_for"] == "call_report"
    [placed] = detail["calls"]
    assert call_record(runtime, placed["call_id"])["request"]["to"] == "+351213456789"
