"""End-to-end flows of the three paths and their branches, driven only through the HTTP routes
(and the demo's `send_customer_reply` / `report_call`, which post to them), plus exactly-once
side effects under replay and pending events surviving a restart."""

from __future__ import annotations

import json

import httpx

from concierge.demo import report_call, send_customer_reply
from concierge.graph.context import Context
from concierge.server.app import create_app
from concierge.server.runtime import open_runtime
from tests.server import (
    THREADS, WEBHOOKS, alert_lines, alerts, assign, call_files, nodes, outbox_files, outbox_messages, thread, world,
)


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
    assert sent["Reply-To"] == "reply+local.1001@concierge.example.com"
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
    assert "AI: Hello, this is the travel team at Wayfarer Stays. Am I speaking with Maria?" in note
    assert "User: Yes, that sounds perfect. Please book it for the dates I mentioned." in note
    [alert] = alerts(runtime)
    assert alert["kind"] == "success" and alert["thread_id"] == "local:1001"
    assert "1001" in alert["title"] and offers[0]["hotel_name"] in alert["text"]
    assert len(outbox_files(runtime)) == 1  # no email after the offer


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
    assert "phone number" in follow_up.get_content()

    detail = await reply(client, runtime, "local:1004", "Sorry! My number is +34 612 345 678.")
    assert detail["waiting_for"] == "call_report"
    [placed] = detail["calls"]
    assert call_record(runtime, placed["call_id"])["request"]["to"] == "+34612345678"
    assert len(outbox_files(runtime)) == 2

    detail = await call(client, runtime, "local:1004", "books")
    assert detail["outcome"]["status"] == "resolved"
    assert (await runtime.services.helpdesk.get_ticket("1004")).status == "solved"


async def test_two_replies_without_a_number_escalate(client, runtime):
    await assign(client, runtime, "1006")
    await reply(client, runtime, "local:1006", "Can you just email me the details instead?")
    detail = await reply(client, runtime, "local:1006", "I'd rather not share my number, sorry.")

    assert detail["waiting_for"] == "human"
    assert detail["outcome"]["status"] == "escalated"
    [reason] = detail["escalation"]["reasons"]
    assert reason.startswith("No usable phone number")
    assert "I'd rather not share my number, sorry." in reason
    assert [e["kind"] for e in detail["emails"]] == ["offer", "clarify_phone"]  # no third email
    assert detail["calls"] == [] and call_files(runtime) == []
    assert (await runtime.services.helpdesk.get_ticket("1006")).status == "escalated"
    [alert] = alerts(runtime)
    assert alert["kind"] == "escalation" and "No usable phone number" in alert["text"]


async def test_frustrated_call_escalates_with_the_customers_words(client, runtime):
    await assign(client, runtime, "1005")
    detail = await reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time after 5pm.")
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
    assert "User: No. I'm not happy, I want to speak to a real person, not a robot." in note
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

    await runtime.graph.aupdate_state(config, {"stage": "closing"}, as_node="call_analyst")
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
    [before_node] = [s for s in history if s.next == (node,)]
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
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(rt)), base_url="http://concierge")

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
        assert [e["event_id"] for e in await rt.services.store.pending_events()] == ["<crash@customer.example.com>"]

    async with open_runtime(settings, kb=kb) as rt:
        await rt.queue.join()
        async with await client_for(rt) as c:
            detail = await thread(c, "local:1001")
        assert [r["text"] for r in detail["replies"]] == ["Call me on +351 912 345 678"]
        assert detail["waiting_for"] == "call_report"
        assert detail["emails"] == [offer]
        assert {e["event_id"]: e["status"] for e in detail["events"]} == {
            "assigned:local:1001": "done", "<crash@customer.example.com>": "done"}
        assert await rt.services.store.pending_events() == []
        assert len(alert_lines(rt)) == 0 and len(call_files(rt)) == 1


async def test_a_run_that_failed_between_steps_continues_from_its_checkpoint(client, runtime, monkeypatch):
    helpdesk = runtime.services.helpdesk
    real_history = helpdesk.customer_history

    async def helpdesk_down(ticket):
        raise ConnectionError("helpdesk unreachable")

    monkeypatch.setattr(helpdesk, "customer_history", helpdesk_down)  # intake fails on every retry
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001"})
    assert r.status_code == 202
    await runtime.queue.join()
    snapshot = await runtime.runner.snapshot("local:1001")
    assert snapshot.next == ("intake",) and not snapshot.interrupts  # stopped between steps, not waiting
    [event] = await runtime.services.store.events("local:1001")
    assert event["status"] == "failed" and "helpdesk unreachable" in event["error"]

    monkeypatch.setattr(helpdesk, "customer_history", real_history)
    assert await runtime.runner.start("local:1001", "1001") is True
    detail = await thread(client, "local:1001")
    assert detail["waiting_for"] == "email_reply"
    assert len(outbox_files(runtime)) == 1


async def test_an_event_whose_run_stopped_midway_is_finished_not_lost_or_repeated(client, runtime, monkeypatch):
    await assign(client, runtime, "1001")
    voice = runtime.services.voice
    real_place_call = voice.place_call

    async def provider_down(request):
        raise ConnectionError("voice provider unreachable")

    monkeypatch.setattr(voice, "place_call", provider_down)
    (await send_customer_reply(client, runtime, "local:1001", "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    snapshot = await runtime.runner.snapshot("local:1001")
    assert snapshot.next == ("voice_dispatcher",) and not snapshot.interrupts  # the reply was read, the dial failed
    [reply_event] = [e for e in await runtime.services.store.events("local:1001") if e["kind"] == "email_reply"]
    assert reply_event["status"] == "failed"

    # The same event processed again (as a restart does with a pending one) finishes the run once,
    # without reading the reply twice.
    monkeypatch.setattr(voice, "place_call", real_place_call)
    await runtime.runner.resume("local:1001", {"type": "email_reply", **snapshot.values["replies"][-1]})
    detail = await thread(client, "local:1001")
    assert detail["waiting_for"] == "call_report"
    assert len(detail["replies"]) == 1 and len(detail["calls"]) == 1
    assert len(call_files(runtime)) == 1
