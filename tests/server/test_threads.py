"""The thread API: list, show, resume; the admin token; the health check."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from concierge.cli.demo import report_call, send_customer_reply
from concierge.runtime.process import open_runtime
from concierge.tools.voice.reports import parse_call_report
from tests.conftest import make_settings
from tests.server import THREADS, alerts, asgi_client, assign, call_files, nodes, thread, world

# Each test that uses a runtime runs on the embedded one and on PostgreSQL with the procrastinate queue.
RUNTIME_ENGINES = ("sqlite", "postgres")


async def resume(client, thread_id, **body) -> httpx.Response:
    return await client.post(f"{THREADS}/{thread_id}/resume", json=body)


async def escalated_after_call(client, runtime) -> dict:
    """1005: the customer gives a number, then is frustrated on the call — escalated, phone known."""
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, "local:1005", "frustrated")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "human"
    assert detail["outcome"]["status"] == "escalated"
    return detail


# --- reading ----------------------------------------------------------------------------------------
async def test_list_shows_every_registered_thread_with_stage_and_wait(client, runtime):
    assert (await client.get(THREADS)).json() == []
    await assign(client, runtime, "1001")
    await assign(client, runtime, "1002")
    await assign(client, runtime, "1003")

    r = await client.get(THREADS)
    assert r.status_code == 200
    rows = {row["thread_id"]: row for row in r.json()}
    assert list(rows) == ["local:1001", "local:1002", "local:1003"]
    assert {k: rows["local:1001"][k] for k in ("ticket_id", "customer", "path", "stage", "waiting_for", "outcome")} == {
        "ticket_id": "1001", "customer": "Maria Costa", "path": "booking", "stage": "email_sent",
        "waiting_for": "email_reply", "outcome": None,
    }
    assert (rows["local:1002"]["path"], rows["local:1002"]["stage"], rows["local:1002"]["waiting_for"]) == ("support", "done", None)
    assert rows["local:1002"]["outcome"]["status"] == "resolved"
    assert (rows["local:1003"]["path"], rows["local:1003"]["stage"], rows["local:1003"]["waiting_for"]) == \
           ("escalate", "awaiting_human", "human")


async def test_detail_masks_the_customer_contact(client, runtime):
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, "local:1001", "Call me on +351 912 345 678")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1001")
    assert "maria.costa@example.com" not in detail["emails"][0]["to"]
    assert "maria.costa@example.com" not in detail["replies"][0]["from"]
    assert "912345678" not in detail["calls"][0]["to"] and "+351912345678" != detail["calls"][0]["to"]


async def test_unknown_thread_is_404(client, runtime):
    r = await client.get(f"{THREADS}/local:4242")
    assert r.status_code == 404
    assert "local:4242" in r.json()["detail"]


async def test_resume_unknown_thread_is_404_and_changes_nothing(client, runtime):
    before = await world(client, runtime)
    r = await resume(client, "local:4242", action="approve")
    assert r.status_code == 404
    assert "local:4242" in r.json()["detail"]
    await runtime.queue.join()
    assert await world(client, runtime) == before


# --- resuming: refused ------------------------------------------------------------------------------
async def test_resume_of_a_finished_thread_is_409_and_changes_nothing(client, runtime):
    detail = await assign(client, runtime, "1002")
    assert detail["stage"] == "done"
    before = await world(client, runtime, "local:1002", "1002")

    r = await resume(client, "local:1002", action="approve", note="looks fine")
    assert r.status_code == 409
    assert "not waiting" in r.json()["detail"]
    await runtime.queue.join()
    assert await world(client, runtime, "local:1002", "1002") == before


@pytest.mark.parametrize("body", [{"action": "delete"}, {"action": ""}, {}, {"action": "approve", "note": ["x"]}])
async def test_resume_with_an_invalid_action_is_422_and_changes_nothing(client, runtime, body):
    await assign(client, runtime, "1003")
    before = await world(client, runtime, "local:1003", "1003")

    r = await client.post(f"{THREADS}/local:1003/resume", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str)
    assert ("note" if "note" in body else "action") in detail
    if body.get("action") == "delete":
        assert "approve" in detail and "handoff" in detail  # says which actions exist
    await runtime.queue.join()
    assert await world(client, runtime, "local:1003", "1003") == before


# --- resuming an escalated thread ------------------------------------------------------------------
@pytest.mark.parametrize(("action", "status", "assignee", "resolution"), [
    ("close", "closed", "Human Queue", "closed"),
    ("handoff", "open", "Human Queue", "handed_off"),
])
async def test_resume_escalated_thread(client, runtime, action, status, assignee, resolution):
    await assign(client, runtime, "1003")
    assert (await runtime.services.helpdesk.get_ticket("1003")).status == "escalated"
    outbox_before = (await world(client, runtime))["outbox"]

    r = await resume(client, "local:1003", action=action, note="spoke to billing", by="sofia")
    assert r.status_code == 200
    detail = r.json()
    assert detail["human_decision"] == {"action": action, "note": "spoke to billing", "by": "sofia"}
    assert detail["stage"] == "done" and detail["waiting_for"] is None
    assert detail["outcome"]["status"] == resolution
    assert detail == await thread(client, "local:1003")  # the answer is the thread as it now stands

    ticket = await runtime.services.helpdesk.get_ticket("1003")
    assert (ticket.status, ticket.assignee) == (status, assignee)
    notes = await runtime.services.helpdesk.notes("1003")
    assert len(notes) == 2 and "spoke to billing" in notes[-1] and "sofia" in notes[-1]
    assert [a["kind"] for a in alerts(runtime)] == ["escalation", "info"]
    assert (await world(client, runtime))["outbox"] == outbox_before  # a decision sends no email

    # The thread is finished: a second decision is refused.
    assert (await resume(client, "local:1003", action="close")).status_code == 409


async def test_resume_retry_places_a_second_call(client, runtime):
    before = await escalated_after_call(client, runtime)
    assert len(before["calls"]) == 1

    r = await resume(client, "local:1005", action="retry", note="customer asked for a callback")
    assert r.status_code == 200
    detail = r.json()
    assert len(detail["calls"]) == 2
    assert detail["calls"][1]["call_id"] != detail["calls"][0]["call_id"]
    assert detail["waiting_for"] == "call_report"
    assert detail["stage"] == "call_placed"
    assert len(call_files(runtime)) == 2
    assert len(nodes(detail, "voice_dispatcher")) == 2


async def test_retry_call_that_books_resolves_the_ticket(client, runtime):
    await escalated_after_call(client, runtime)
    (await resume(client, "local:1005", action="retry")).raise_for_status()
    (await report_call(client, runtime, "local:1005", "books")).raise_for_status()
    await runtime.queue.join()

    detail = await thread(client, "local:1005")
    assert [e["status"] for e in detail["events"] if e["kind"] == "call_report"] == ["done", "done"]
    assert detail["outcome"]["status"] == "resolved"
    assert (await runtime.services.helpdesk.get_ticket("1005")).status == "solved"


async def test_second_escalation_after_a_retry_alerts_again(client, runtime):
    await escalated_after_call(client, runtime)
    (await resume(client, "local:1005", action="retry")).raise_for_status()
    (await report_call(client, runtime, "local:1005", "frustrated")).raise_for_status()
    await runtime.queue.join()

    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "human"
    assert detail["escalations"] == 2
    assert [a["kind"] for a in alerts(runtime)] == ["escalation", "escalation"]
    assert len(await runtime.services.helpdesk.notes("1005")) == 3  # escalation, the operator's retry, escalation


async def test_second_escalation_by_email_after_a_retry_alerts_again(client, runtime):
    await assign(client, runtime, "1006")
    for text in ("Can you just email me the details instead?", "I'd rather not share my number, sorry."):
        (await send_customer_reply(client, runtime, "local:1006", text)).raise_for_status()
        await runtime.queue.join()
    assert (await thread(client, "local:1006"))["waiting_for"] == "human"
    (await resume(client, "local:1006", action="retry")).raise_for_status()
    # A retry asks for the email confirmation again; an unclear answer escalates a second time, and a
    # further email while the person decides is kept on the thread and brought to their attention.
    for text in ("I would prefer email, thanks.", "Still email only, please."):
        (await send_customer_reply(client, runtime, "local:1006", text)).raise_for_status()
        await runtime.queue.join()

    detail = await thread(client, "local:1006")
    assert detail["waiting_for"] == "human"
    assert detail["escalations"] == 2
    assert [e["text"] for e in detail["kept_emails"]] == ["Still email only, please."]
    assert [a["kind"] for a in alerts(runtime)] == ["escalation", "escalation", "info"]


async def test_operator_can_answer_a_thread_waiting_for_the_customer(client, runtime):
    await assign(client, runtime, "1001")
    r = await resume(client, "local:1001", action="close", note="customer booked by phone")
    assert r.status_code == 200
    assert r.json()["outcome"]["status"] == "closed"
    assert (await runtime.services.helpdesk.get_ticket("1001")).status == "closed"


# --- admin token ------------------------------------------------------------------------------------
async def test_admin_token_guards_the_thread_api(tmp_path, kb):
    settings = make_settings(tmp_path / "d", ADMIN_TOKEN="s3cret")
    async with open_runtime(settings, kb=kb) as rt:
        async with asgi_client(rt) as c:
            r = await c.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": "1003"})  # webhooks need a signature, no token
            assert r.status_code == 202
            await rt.queue.join()

            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"},
                            {"Authorization": "Bearer s3cret "}):
                for method, url, body in (("GET", THREADS, None), ("GET", f"{THREADS}/local:1003", None),
                                          ("POST", f"{THREADS}/local:1003/resume", {"action": "approve"})):
                    r = await c.request(method, url, json=body, headers=headers)
                    assert r.status_code == 401, (headers, url)
                    assert r.headers["www-authenticate"] == "Bearer"
            await rt.queue.join()
            assert (await rt.services.helpdesk.get_ticket("1003")).status == "escalated"  # the refused resume did nothing

            good = {"Authorization": "Bearer s3cret"}
            r = await c.get(THREADS, headers=good)
            assert r.status_code == 200
            assert [t["thread_id"] for t in r.json()] == ["local:1003"]
            assert (await c.get(f"{THREADS}/local:1003", headers=good)).json()["waiting_for"] == "human"


async def test_without_admin_token_the_thread_api_is_open(client):
    assert (await client.get(THREADS)).status_code == 200


async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "llm": "offline", "helpdesk": "local", "email": "outbox", "voice": "simulator"}


# --- decisions applied once -------------------------------------------------------------------------
async def test_two_identical_retries_at_once_place_one_call(client, runtime):
    await escalated_after_call(client, runtime)
    first, second = await asyncio.gather(*(resume(client, "local:1005", action="retry", note="call back") for _ in range(2)))
    assert sorted((first.status_code, second.status_code)) == [200, 200]  # the same decision, answered alike
    detail = await thread(client, "local:1005")
    assert len(detail["calls"]) == 2 and len(call_files(runtime)) == 2
    assert len(nodes(detail, "voice_dispatcher")) == 2


async def test_a_retry_sent_twice_in_a_row_applies_once(client, runtime):
    await escalated_after_call(client, runtime)
    assert (await resume(client, "local:1005", action="retry", note="call back")).status_code == 200
    # The same request again, with nothing in between: it is the first one, answered the same way,
    # and dials nothing more.
    again = await resume(client, "local:1005", action="retry", note="call back")
    assert again.status_code == 200 and again.json()["waiting_for"] == "call_report"
    assert len((await thread(client, "local:1005"))["calls"]) == 2 and len(call_files(runtime)) == 2
    # Another decision is checked against the wait the retry made, which takes close or handoff.
    other = await resume(client, "local:1005", action="retry", note="call back again")
    assert other.status_code == 409 and "close, handoff" in other.json()["detail"]


async def test_approve_twice_with_one_idempotency_key_applies_once_and_answers_the_same(client, runtime):
    await escalated_after_call(client, runtime)
    headers = {"Idempotency-Key": "approve-1005-sofia"}
    first = await client.post(f"{THREADS}/local:1005/resume", json={"action": "approve", "by": "sofia"}, headers=headers)
    again = await client.post(f"{THREADS}/local:1005/resume", json={"action": "approve", "by": "sofia"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["outcome"] == again.json()["outcome"]
    assert len(await runtime.services.helpdesk.notes("1005")) == 2  # the escalation note and one decision note


async def test_a_decision_for_a_wait_that_ended_is_409(client, runtime):
    await escalated_after_call(client, runtime)
    assert (await resume(client, "local:1005", action="close", note="done")).status_code == 200
    r = await resume(client, "local:1005", action="approve", note="late click")
    assert r.status_code == 409
    assert (await runtime.services.helpdesk.get_ticket("1005")).status == "closed"


async def test_a_late_report_for_an_older_call_is_kept_and_changes_nothing(client, runtime):
    await escalated_after_call(client, runtime)
    first_call = (await runtime.runner.snapshot("local:1005")).values["calls"][0]["call_id"]
    assert (await resume(client, "local:1005", action="retry", note="call back")).status_code == 200
    before = await thread(client, "local:1005")
    # A report of the first call arrives again under another delivery id: it must not close the second call.
    report = parse_call_report(runtime.services.voice.play(first_call, "books"))
    assert await runtime.queue.enqueue("vapi", "delivery-2", "call_report", "local:1005", {"type": "call_report", **report.model_dump()})
    await runtime.queue.join()
    after = await thread(client, "local:1005")
    assert after["waiting_for"] == "call_report" and after["outcome"] == before["outcome"]
    assert (await runtime.services.helpdesk.get_ticket("1005")).status == "escalated"
    [late_event] = [e for e in after["events"] if e["kind"] == "call_report" and e["status"] == "ignored"]
    assert first_call in late_event["error"]
