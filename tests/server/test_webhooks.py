"""The webhook routes: ticket_assigned, inbound_email, call_completed.

Accepted events move the thread on; re-deliveries are reported as duplicates and do nothing;
bad input gets a clear error and changes nothing (checked with a before/after `world`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from concierge.cli.demo import report_call, send_customer_reply
from concierge.tools.email.addresses import reply_address
from concierge.tools.email.inbox import SetAsideEmails
from tests.server import WEBHOOKS, alerts, assign, nodes, outbox_files, outbox_messages, thread, world

# Each test that uses a runtime runs on the embedded one and on PostgreSQL with the procrastinate queue.
RUNTIME_ENGINES = ("sqlite", "postgres")

T1001 = "local:1001"


def reply_body(runtime, detail, text, *, message_id="<reply-1@customer.example.com>", **extra):
    """An inbound email from the ticket's customer answering the thread's last email."""
    return {
        "from": "maria.costa@example.com",
        "to": [reply_address(detail["thread_id"], runtime.settings.reply_domain, runtime.settings.signing_key)],
        "subject": f"Re: {detail['emails'][-1]['subject']}",
        "text": text,
        "message_id": message_id,
        "in_reply_to": detail["emails"][-1]["message_id"],
        **extra,
    }


# concierge/server/routes/webhooks.py:42 calls next() on a generator expression that contains `await`,
# which makes it an async generator: every email not matched by its headers raises TypeError (a 500).
# --- ticket_assigned ------------------------------------------------------------------------------
async def test_assignment_is_accepted_and_starts_the_thread(client, runtime):
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "local", "ticket_id": "1001"})
    assert r.status_code == 202
    body = r.json()
    assert body["thread_id"] == T1001
    assert body["duplicate"] is False
    await runtime.queue.join()

    detail = await thread(client, T1001)
    assert detail["ticket_id"] == "1001"
    assert detail["path"] == "booking"
    assert detail["waiting_for"] == "email_reply"
    assert [e["kind"] for e in detail["emails"]] == ["offer"]
    assert len(outbox_files(runtime)) == 1
    # The offer waits for an answer: its reminder timer is set REMINDER_AFTER (48 h) after sending.
    assert [(e["kind"], e["status"]) for e in detail["events"]] == [("ticket_assigned", "done"), ("reply_overdue", "pending")]
    due = datetime.fromisoformat(detail["events"][1]["not_before"]) - datetime.fromisoformat(detail["emails"][0]["sent_at"])
    assert timedelta(hours=48) <= due < timedelta(hours=48, seconds=1)


async def test_redelivered_assignment_is_a_duplicate_and_sends_no_second_email(client, runtime):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")

    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001"})
    assert r.status_code == 202
    assert r.json() == {"thread_id": T1001, "event_id": f"assigned:{T1001}", "duplicate": True}
    await runtime.queue.join()

    assert await world(client, runtime, T1001, "1001") == before
    assert len(outbox_files(runtime)) == 1


async def test_reassignment_under_a_new_event_id_does_not_restart_the_thread(client, runtime):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")

    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001", "event_id": "zendesk-42"})
    assert r.status_code == 202 and r.json()["duplicate"] is False
    await runtime.queue.join()

    after = await world(client, runtime, T1001, "1001")
    # The new event is kept in the inbox, but the running thread is not started again.
    assert [e["event_id"] for e in after["events"] if e["source"] != "timer"] == [f"assigned:{T1001}", "zendesk-42"]
    assert {k: v for k, v in after.items() if k not in ("events", "thread")} == \
           {k: v for k, v in before.items() if k not in ("events", "thread")}
    assert after["thread"][1]["log"] == before["thread"][1]["log"]
    assert after["thread"][1]["emails"] == before["thread"][1]["emails"]


@pytest.mark.parametrize(("request_args", "status", "reason_words"), [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, ["not valid JSON"]),
    ({"json": {"helpdesk": "local"}}, 422, ["ticket_id", "required"]),
    ({"json": {"ticket_id": ""}}, 422, ["ticket_id"]),
    ({"json": {"ticket_id": "99999"}}, 404, ["99999"]),
], ids=["malformed-json", "missing-ticket-id", "empty-ticket-id", "unknown-ticket"])
async def test_bad_assignment_is_refused_with_the_reason_and_changes_nothing(client, runtime, request_args, status, reason_words):
    before = await world(client, runtime)
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", **request_args)
    assert r.status_code == status
    detail = r.json()["detail"]
    assert isinstance(detail, str) and all(word.lower() in detail.lower() for word in reason_words), detail
    await runtime.queue.join()
    assert await world(client, runtime) == before


async def test_wrong_helpdesk_is_rejected(client, runtime):
    before = await world(client, runtime, ticket_id="1001")
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "zendesk", "ticket_id": "1001"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "zendesk" in detail and "local" in detail
    await runtime.queue.join()
    assert await world(client, runtime, ticket_id="1001") == before
    assert (await client.get("/api/v1/threads/zendesk:1001")).status_code == 404


# --- inbound_email ----------------------------------------------------------------------------------
async def test_reply_is_matched_by_in_reply_to(client, runtime):
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "Call me on +351 912 345 678", to=["someone-else@example.com"])

    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202
    assert r.json() == {"thread_id": T1001, "event_id": body["message_id"], "duplicate": False}
    await runtime.queue.join()

    after = await thread(client, T1001)
    # The API masks the number inside the reply text as well as on the call; the thread itself keeps it.
    assert [rep["text"] for rep in after["replies"]] == ["Call me on +35•••78"]
    assert "912 345 678" not in r.text + str(after)
    assert (await runtime.runner.snapshot(T1001)).values["replies"][0]["text"] == "Call me on +351 912 345 678"
    assert after["waiting_for"] == "call_report"
    assert len(after["calls"]) == 1


async def test_reply_is_matched_by_the_reply_address_when_headers_are_missing(client, runtime):
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "My number is +351 912 345 678", in_reply_to=None)
    body.pop("in_reply_to")
    assert body["to"][0].startswith("reply+local.1001.")

    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202
    assert r.json()["thread_id"] == T1001
    await runtime.queue.join()

    after = await thread(client, T1001)
    assert len(after["replies"]) == 1
    assert after["waiting_for"] == "call_report"


async def test_reply_matched_by_references_when_in_reply_to_is_unknown(client, runtime):
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "+351 912 345 678", in_reply_to="<unknown@elsewhere>",
                      references=[detail["emails"][-1]["message_id"]], to=[])
    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202 and r.json()["thread_id"] == T1001
    await runtime.queue.join()
    assert (await thread(client, T1001))["waiting_for"] == "call_report"


async def test_email_for_no_known_thread_is_kept_and_alerted_not_dropped(client, runtime):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    cases = [
        {"from": "x@example.com", "to": ["sales@concierge.example.com"], "text": "Hello?"},
        # A reply address of a thread that does not exist.
        {"from": "x@example.com", "to": ["reply+local.4242@concierge.example.com"], "text": "Hello?!"},
        {"from": "x@example.com", "to": [], "in_reply_to": "<never-sent@concierge.example.com>", "text": "Hello?!?"},
    ]
    for i, body in enumerate(cases):
        body["message_id"] = f"<unmatched-{i}@example.com>"  # the provider's id: its retry is kept once
        r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
        assert r.status_code == 202, body
        assert r.json()["matched"] is False and "no thread" in r.json()["reason"]
        again = await client.post(f"{WEBHOOKS}/inbound_email", json=body)  # the provider retries: kept once
        assert again.status_code == 202
    await runtime.queue.join()
    after = await world(client, runtime, T1001, "1001")
    for unchanged in ("thread", "ticket", "notes", "outbox", "calls", "events", "threads"):
        assert after[unchanged] == before[unchanged], unchanged
    kept = SetAsideEmails(runtime.settings.unmatched_emails_file).read()
    assert [k["email"]["text"] for k in kept] == ["Hello?", "Hello?!", "Hello?!?"]
    new_alerts = alerts(runtime)[len(before["alerts"]):]
    assert len(new_alerts) == 3 and all(a["title"].startswith("Unmatched email from") for a in new_alerts)


@pytest.mark.parametrize("field, value", [
    ("message_id", "<a@b>\r\nBcc: victim@example.com"), ("in_reply_to", "<a@b>\n"), ("message_id", "<a\u2028@b>"),
    ("references", ["<ok@b>", "<x@b>\r\nX: y"]), ("subject", "Hi\rthere"),
])
async def test_header_values_with_line_breaks_are_422(client, runtime, field, value):
    detail = await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    body = {**reply_body(runtime, detail, "+351 912 345 678"), field: value}
    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 422 and field in r.text
    assert await world(client, runtime, T1001, "1001") == before


@pytest.mark.parametrize("missing", ["text", "from"])
async def test_email_missing_a_required_field_is_422_and_changes_nothing(client, runtime, missing):
    detail = await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    body = reply_body(runtime, detail, "+351 912 345 678")
    body.pop(missing)

    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 422
    assert missing in r.json()["detail"]
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_same_message_id_twice_records_one_reply(client, runtime):
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "Call me on +351 912 345 678")

    first = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert first.status_code == 202 and first.json()["duplicate"] is False
    await runtime.queue.join()
    before = await world(client, runtime, T1001, "1001")

    second = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert second.status_code == 202
    assert second.json() == {"thread_id": T1001, "event_id": body["message_id"], "duplicate": True}
    await runtime.queue.join()

    assert await world(client, runtime, T1001, "1001") == before
    after = await thread(client, T1001)
    assert len(after["replies"]) == 1
    assert len(after["calls"]) == 1


async def test_a_reply_without_any_id_repeating_earlier_words_is_kept(client, runtime):
    # Only a provider's own id deduplicates: a customer may answer the follow-up with the same words.
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "Please call me")
    body.pop("message_id")

    first = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert first.status_code == 202 and first.json()["duplicate"] is False
    await runtime.queue.join()
    assert (await thread(client, T1001))["emails"][-1]["kind"] == "clarify_phone"
    second = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert second.json()["duplicate"] is False and second.json()["event_id"] != first.json()["event_id"]
    await runtime.queue.join()
    after = await thread(client, T1001)
    assert len(after["replies"]) == 2 and after["waiting_for"] == "human"  # the second miss escalates


async def test_email_while_waiting_for_a_call_is_kept_noted_once_and_the_call_still_awaited(client, runtime):
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, T1001, "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    before = await world(client, runtime, T1001, "1001")
    detail = before["thread"][1]
    assert detail["waiting_for"] == "call_report"

    body = reply_body(runtime, detail, "Also, can we add a night?", message_id="<late@customer.example.com>")
    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202 and r.json()["duplicate"] is False
    await runtime.queue.join()

    after = await world(client, runtime, T1001, "1001")
    event = next(e for e in after["thread"][1]["events"] if e["event_id"] == "<late@customer.example.com>")
    assert (event["kind"], event["status"], event["error"]) == ("email_reply", "done", None)
    [kept] = after["thread"][1]["kept_emails"]
    assert (kept["text"], kept["while"], kept["message_id"]) == ("Also, can we add a night?", "call_report", "<late@customer.example.com>")
    # Noted on the ticket for the person who reads it; the thread still waits for the same call.
    [note] = [n for n in after["notes"] if n not in before["notes"]]
    assert "while a call was under way" in note and "Also, can we add a night?" in note
    for key in ("stage", "waiting_for", "replies", "emails", "calls", "outcome"):
        assert after["thread"][1][key] == detail[key], key
    for key in ("outbox", "alerts", "calls", "ticket"):
        assert after[key] == before[key], key

    # The provider delivers it again: no second note.
    again = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert again.json()["duplicate"] is True
    await runtime.queue.join()
    assert await runtime.services.helpdesk.notes("1001") == after["notes"]
    # The call's report still lands and closes the ticket.
    (await report_call(client, runtime, T1001, "books")).raise_for_status()
    await runtime.queue.join()
    assert (await thread(client, T1001))["outcome"]["status"] == "resolved"


async def _booked(client, runtime) -> dict:
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, T1001, "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, T1001, "books")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, T1001)
    assert detail["stage"] == "done" and detail["outcome"]["status"] == "resolved"
    return detail


async def test_a_new_request_after_the_ticket_is_done_reopens_it_on_the_same_thread(client, runtime):
    detail = await _booked(client, runtime)
    helpdesk = runtime.services.helpdesk
    notes_before = await helpdesk.notes("1001")

    body = reply_body(runtime, detail, "Could we add one more night to our Lisbon stay? Same room if possible.",
                      message_id="<more@customer.example.com>")
    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202 and r.json()["thread_id"] == T1001
    await runtime.queue.join()

    after = await thread(client, T1001)
    assert [e["while"] for e in after["kept_emails"]] == ["done"]
    assert [e["node"] for e in after["log"]][len(detail["log"]):][:3] == ["reopen", "triage", "retriever"]
    # Triaged again and answered with a new offer on the same thread, threaded under the customer's email.
    assert after["path"] == "booking" and after["waiting_for"] == "email_reply"
    assert [e["kind"] for e in after["emails"]] == ["offer", "booking_confirmation", "offer"]
    sent = outbox_messages(runtime)[after["emails"][-1]["message_id"]]
    assert sent["In-Reply-To"] == "<more@customer.example.com>"
    assert after["emails"][0]["message_id"] in sent["References"]
    assert after["outcome"] is None
    assert (await helpdesk.get_ticket("1001")).status != "solved"  # back in progress
    [note] = [n for n in await helpdesk.notes("1001") if n not in notes_before]
    assert "(Concierge reopened it)" in note and "add one more night" in note

    # The second round closes with its own note and alert (the first round's close does not hide it).
    (await send_customer_reply(client, runtime, T1001, "Same number as before: +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, T1001, "books")).raise_for_status()
    await runtime.queue.join()
    final = await thread(client, T1001)
    assert final["outcome"]["status"] == "resolved" and len(final["calls"]) == 2
    assert [a["kind"] for a in alerts(runtime)] == ["success", "success"]
    assert (await helpdesk.get_ticket("1001")).status == "solved"


async def test_a_thank_you_after_the_ticket_is_done_is_noted_and_changes_nothing_else(client, runtime):
    detail = await _booked(client, runtime)
    before = await world(client, runtime, T1001, "1001")
    r = await client.post(f"{WEBHOOKS}/inbound_email", json=reply_body(runtime, detail, "Thank you so much, see you in April!",
                                                                       message_id="<thanks@customer.example.com>"))
    assert r.status_code == 202
    await runtime.queue.join()

    after = await world(client, runtime, T1001, "1001")
    assert after["thread"][1]["stage"] == "done" and after["thread"][1]["outcome"] == detail["outcome"]
    assert [e["text"] for e in after["thread"][1]["kept_emails"]] == ["Thank you so much, see you in April!"]
    [note] = [n for n in after["notes"] if n not in before["notes"]]
    assert "a thank-you: nothing to do" in note
    for key in ("outbox", "alerts", "calls", "ticket"):
        assert after[key] == before[key], key


async def test_an_angry_email_after_the_ticket_is_done_goes_to_a_person(client, runtime):
    detail = await _booked(client, runtime)
    body = reply_body(runtime, detail, "This is unacceptable, the booking you made is wrong. I want to speak to a manager now!",
                      message_id="<angry@customer.example.com>")
    (await client.post(f"{WEBHOOKS}/inbound_email", json=body)).raise_for_status()
    await runtime.queue.join()

    after = await thread(client, T1001)
    assert after["waiting_for"] == "human" and after["outcome"]["status"] == "escalated"
    assert [a["kind"] for a in alerts(runtime)] == ["success", "escalation"]


# --- call_completed ---------------------------------------------------------------------------------
async def _waiting_for_call(client, runtime) -> dict:
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, T1001, "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, T1001)
    assert detail["waiting_for"] == "call_report"
    return detail


async def test_vapi_status_update_is_ignored(client, runtime):
    detail = await _waiting_for_call(client, runtime)
    before = await world(client, runtime, T1001, "1001")
    body = {"message": {"type": "status-update", "status": "in-progress", "call": {"id": detail["calls"][0]["call_id"]}}}

    r = await client.post(f"{WEBHOOKS}/call_completed", json=body)
    assert r.is_success
    assert r.json() == {"ignored": "status-update"}
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_vapi_status_update_is_answered_200_not_202(client, runtime):
    r = await client.post(f"{WEBHOOKS}/call_completed", json={"message": {"type": "status-update"}})
    assert r.json() == {"ignored": "status-update"}
    assert r.status_code == 200


async def test_report_for_an_unknown_call_is_404(client, runtime):
    detail = await _waiting_for_call(client, runtime)
    body = runtime.services.voice.play(detail["calls"][0]["call_id"], "books")
    body["message"]["call"]["id"] = "sim-does-not-exist"
    before = await world(client, runtime, T1001, "1001")

    r = await client.post(f"{WEBHOOKS}/call_completed", json=body)
    assert r.status_code == 404
    assert "sim-does-not-exist" in r.json()["detail"]
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_report_without_a_call_id_is_422(client, runtime):
    detail = await _waiting_for_call(client, runtime)
    body = runtime.services.voice.play(detail["calls"][0]["call_id"], "books")
    before = await world(client, runtime, T1001, "1001")
    for bad in ({**body["message"], "call": {}}, {k: v for k, v in body["message"].items() if k != "call"}):
        r = await client.post(f"{WEBHOOKS}/call_completed", json={"message": bad})
        assert r.status_code == 422
        assert "message.call.id" in r.json()["detail"]
    # Neither Vapi's nor Bland's shape.
    r = await client.post(f"{WEBHOOKS}/call_completed", json={"hello": "world"})
    assert r.status_code == 422 and "call_id" in r.json()["detail"]
    r = await client.post(f"{WEBHOOKS}/call_completed", json=[1, 2])
    assert r.status_code == 422
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_valid_report_is_accepted_and_the_thread_moves_on(client, runtime):
    detail = await _waiting_for_call(client, runtime)
    call_id = detail["calls"][0]["call_id"]

    r = await report_call(client, runtime, T1001, "books")
    assert r.status_code == 202
    assert r.json() == {"thread_id": T1001, "event_id": f"call:{call_id}", "duplicate": False}
    await runtime.queue.join()

    after = await thread(client, T1001)
    assert after["waiting_for"] is None
    assert after["stage"] == "done"
    assert after["call_analysis"]["booked"] is True
    assert after["outcome"]["status"] == "resolved"


async def test_same_report_twice_is_analysed_once(client, runtime):
    detail = await _waiting_for_call(client, runtime)
    body = runtime.services.voice.play(detail["calls"][0]["call_id"], "books")

    first = await client.post(f"{WEBHOOKS}/call_completed", json=body)
    assert first.status_code == 202 and first.json()["duplicate"] is False
    await runtime.queue.join()
    before = await world(client, runtime, T1001, "1001")

    second = await client.post(f"{WEBHOOKS}/call_completed", json=body)
    assert second.status_code == 202 and second.json()["duplicate"] is True
    await runtime.queue.join()

    assert await world(client, runtime, T1001, "1001") == before
    after = await thread(client, T1001)
    assert len(nodes(after, "call_analyst")) == 1
    assert len(await runtime.services.helpdesk.notes("1001")) == 1
    assert [a["kind"] for a in alerts(runtime)] == ["success"]


async def test_reply_address_in_a_to_header_string_is_matched(client, runtime):
    detail = await assign(client, runtime, "1001")
    body = reply_body(runtime, detail, "Call me on +351 912 345 678")
    address = body["to"][0]
    body |= {"to": f"Wayfarer Stays <{address}>, someone@example.com", "in_reply_to": None, "references": []}

    r = await client.post(f"{WEBHOOKS}/inbound_email", json=body)
    assert r.status_code == 202, r.text
    assert r.json()["thread_id"] == T1001
    await runtime.queue.join()
    assert (await thread(client, T1001))["waiting_for"] == "call_report"


async def test_assignment_is_kept_when_the_helpdesk_cannot_be_reached(client, runtime, monkeypatch):
    helpdesk = runtime.services.helpdesk
    real_get_ticket = helpdesk.get_ticket
    calls = []

    async def flaky_get_ticket(ticket_id):
        calls.append(ticket_id)
        if len(calls) == 1:  # the route's check meets the outage; the worker's intake finds it back
            raise ConnectionError("helpdesk unreachable")
        return await real_get_ticket(ticket_id)

    monkeypatch.setattr(helpdesk, "get_ticket", flaky_get_ticket)
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": "1001"})
    assert r.status_code == 202 and r.json()["duplicate"] is False
    await runtime.queue.join()
    assert (await thread(client, T1001))["waiting_for"] == "email_reply"


async def test_an_email_after_a_hand_over_stays_with_the_person_and_alerts_them(client, runtime):
    detail = await assign(client, runtime, "1003")  # asks for a person: escalated at once
    assert detail["waiting_for"] == "human"
    r = await client.post("/api/v1/threads/local:1003/resume", json={"action": "handoff", "note": "I'll take it", "by": "Ana"})
    assert r.status_code == 200 and r.json()["outcome"]["status"] == "handed_off"
    customer = (await runtime.runner.snapshot("local:1003")).values["ticket"]["customer"]["email"]
    body = {"from": customer, "to": [reply_address("local:1003", runtime.settings.reply_domain, runtime.settings.signing_key)],
            "subject": "Re: charged twice", "text": "Any news on my refund? Could you check again?", "message_id": "<news@customer.example.com>"}
    (await client.post(f"{WEBHOOKS}/inbound_email", json=body)).raise_for_status()
    await runtime.queue.join()

    after = await thread(client, "local:1003")
    assert after["stage"] == "done" and after["outcome"]["status"] == "handed_off"
    assert [e["node"] for e in after["log"]][-1] == "reopen" and after["emails"] == []
    assert "the ticket is with a person: not reopened" in (await runtime.services.helpdesk.notes("1003"))[-1]
    last = alerts(runtime)[-1]
    assert last["kind"] == "escalation" and "after the hand-over" in last["title"]


async def test_a_customer_email_no_wait_could_take_is_failed_loudly(client, runtime):
    # A thread with no state yet (its assignment not run) cannot take an email: kept as a failed event, and alerted.
    payload = {"type": "email_reply", "from": "maria.costa@example.com", "subject": "Hello", "text": "Hi", "message_id": "<early@x>"}
    assert await runtime.queue.enqueue("email", "<early@x>", "email_reply", T1001, payload)
    await runtime.queue.join()
    event = await runtime.services.store.event("email", "<early@x>")
    assert event["status"] == "failed" and event["error"].startswith("NotWaiting")
    [alert] = alerts(runtime)
    assert alert["title"] == f"Thread {T1001}: a customer email was not taken"
