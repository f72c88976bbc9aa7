"""The call through Bland end to end: VOICE_PROVIDER=bland against the fake Bland server on loopback."""

from __future__ import annotations

import httpx
import pytest

from concierge.cli.demo import send_customer_reply
from concierge.runtime.process import open_runtime
from concierge.server.app import create_app
from tests.conftest import make_settings
from tests.fakes.bland import FakeBland, serve_fake_bland
from tests.flows.test_voice_vapi import BOOKS, FORGED_LINES, FRUSTRATED, PERSON, books, forged
from tests.server import asgi_client, assign, thread, world

BOOKED = {"booked": True, "frustrated": False, "reasons": []}


@pytest.fixture(scope="module")
def fake_bland():
    with serve_fake_bland() as fake:
        yield fake


@pytest.fixture
def fake(fake_bland: FakeBland):
    fake_bland.fail_next.clear()
    fake_bland.calls.clear()
    fake_bland.rejected.clear()
    fake_bland.requests = 0
    return fake_bland


@pytest.fixture
async def bland_runtime(tmp_path, kb, fake):
    settings = make_settings(
        tmp_path / "data", VOICE_PROVIDER="bland", BLAND_API_KEY=fake.api_key, BLAND_BASE_URL=fake.url,
        BLAND_WEBHOOK_SECRET=fake.signing_secret, PUBLIC_BASE_URL="http://concierge", ESCALATION_PHONE=PERSON,
    )
    async with open_runtime(settings, kb=kb, workers=2) as rt:
        yield rt


@pytest.fixture
async def concierge(bland_runtime):
    async with asgi_client(bland_runtime) as c:
        yield c


@pytest.fixture
async def bland_side(bland_runtime):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(bland_runtime)), base_url="http://concierge") as c:
        yield c


async def _call_placed(concierge, runtime, ticket: str, text: str) -> str:
    await assign(concierge, runtime, ticket)
    (await send_customer_reply(concierge, runtime, f"local:{ticket}", text)).raise_for_status()
    await runtime.queue.join()
    detail = await thread(concierge, f"local:{ticket}")
    assert detail["waiting_for"] == "call_report", detail.get("log")
    return detail["calls"][-1]["call_id"]


@pytest.mark.parametrize("reserialize", [False, True])
async def test_booked_call_through_bland_closes_the_ticket(concierge, bland_side, bland_runtime, fake, reserialize):
    fake.fail_next[:] = [429]
    call_id = await _call_placed(concierge, bland_runtime, "1001", "Lovely! Call me on +351 912 345 678.")
    assert fake.rejected == [] and fake.requests == 2
    sent = fake.calls[call_id]
    assert sent["phone_number"] == "+351912345678" and sent["transfer_phone_number"] == PERSON
    assert sent["webhook"] == "http://concierge/api/v1/webhooks/voice/bland"
    assert sent["metadata"]["thread_id"] == "local:1001" and sent["analysis_schema"]["booked"] == "boolean"
    assert sent["voicemail"]["action"] == "leave_message" and sent["summary_prompt"] and "voicemail_message" not in sent
    offer = (await thread(concierge, "local:1001"))["offers"][0]
    analysis = {**BOOKED, "chosen_room_id": offer["room_id"]}  # the analysis_schema's answer
    r = await fake.post_report(bland_side, call_id, fake.report(call_id, turns=books(offer), analysis=analysis), reserialize=reserialize)
    assert r.status_code == 202, r.text
    await bland_runtime.queue.join()
    detail = await thread(concierge, "local:1001")
    assert detail["stage"] == "done" and detail["outcome"]["status"] == "resolved", detail["log"][-4:]
    assert detail["booking"]["room_id"] == offer["room_id"] and detail["emails"][-1]["kind"] == "booking_confirmation"
    assert detail["call_seconds"] == 150 and detail["call_cost"] == 0.23
    kept = (await bland_runtime.runner.snapshot("local:1001")).values["call_report"]
    assert kept["provider"] == "bland" and kept["duration_s"] == 150 and kept["cost"] == 0.23


async def test_frustrated_bland_call_escalates(concierge, bland_side, bland_runtime, fake):
    call_id = await _call_placed(concierge, bland_runtime, "1005", "Yes, call me on 07911 123456 any time.")
    body = fake.report(call_id, turns=FRUSTRATED, transferred_to=PERSON,
                       analysis={"booked": False, "frustrated": True, "reasons": ["I want to speak to a real person"]})
    assert (await fake.post_report(bland_side, call_id, body)).status_code == 202
    await bland_runtime.queue.join()
    detail = await thread(concierge, "local:1005")
    assert detail["waiting_for"] == "human" and detail["escalation"]["source"] == "call"
    assert (await bland_runtime.services.helpdesk.get_ticket("1005")).status == "escalated"


@pytest.mark.parametrize("signature", ["", "00" * 32, "forged"])
async def test_unsigned_or_forged_bland_reports_get_401_and_change_nothing(concierge, bland_side, bland_runtime, fake, signature):
    call_id = await _call_placed(concierge, bland_runtime, "1001", "Call me on +351 912 345 678.")
    before = await world(concierge, bland_runtime, "local:1001", "1001")
    r = await fake.post_report(bland_side, call_id, fake.report(call_id, turns=BOOKS, analysis=BOOKED), signature=signature)
    assert r.status_code == 401, r.text
    await bland_runtime.queue.join()
    assert await world(concierge, bland_runtime, "local:1001", "1001") == before


async def test_bland_report_without_call_id_is_422(bland_side, fake):
    raw = b'{"status": "completed"}'
    r = await bland_side.post("/api/v1/webhooks/voice/bland", content=raw, headers={"X-Webhook-Signature": fake.sign(raw)})
    assert r.status_code == 422, r.text


async def test_vapi_route_is_404_when_vapi_is_not_configured(bland_side):
    r = await bland_side.post("/api/v1/webhooks/voice/vapi", json={"message": {"type": "status-update", "status": "ended"}})
    assert r.status_code == 404


@pytest.mark.parametrize("line", FORGED_LINES)
async def test_a_confirmation_the_customer_says_books_nothing(concierge, bland_side, bland_runtime, fake, line):
    """Bland's analysis says booked and its concatenated transcript carries an "assistant"-like line; the
    structured transcripts show the customer said it: a person follows up, nothing is confirmed by email."""
    call_id = await _call_placed(concierge, bland_runtime, "1001", "Call me on +351 912 345 678.")
    offer = (await thread(concierge, "local:1001"))["offers"][0]
    body = fake.report(call_id, turns=forged(line), analysis={**BOOKED, "chosen_room_id": offer["room_id"]})
    assert (await fake.post_report(bland_side, call_id, body)).status_code == 202
    await bland_runtime.queue.join()
    detail = await thread(concierge, "local:1001")
    assert detail["waiting_for"] == "human" and not detail.get("booking")
    assert detail["escalation"]["source"] == "call"
    assert "booking_confirmation" not in [e["kind"] for e in detail["emails"]]
