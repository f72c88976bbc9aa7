"""A booked call ends with the confirmation email sent and the signed booking record delivered to
the company's booking system (a loopback receiver that checks the signature), retried until it
is acknowledged and never twice."""

from __future__ import annotations

import asyncio

import pytest

from concierge.agents.booking_record import retry_delay
from concierge.cli.demo import report_call, send_customer_reply
from concierge.graph.waits.wait_for_booking_retry import BOOKING_RETRY
from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.fakes.booking import FakeBookingSystem
from tests.fakes.loopback import running
from tests.server import alerts, all_events, asgi_client, assign, outbox_messages, thread

SECRET = "booking-receiver-secret"


@pytest.fixture
def receiver():
    with running(FakeBookingSystem(SECRET)) as fake:
        yield fake


async def booked_call(client, runtime, persona: str = "books") -> dict:
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, "local:1001", "Lovely, call me on +351 912 345 678.")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, "local:1001", persona)).raise_for_status()
    await runtime.queue.join()
    return await thread(client, "local:1001")


async def test_a_booked_call_is_confirmed_by_email_and_delivered_signed(tmp_path, kb, receiver):
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", BOOKING_WEBHOOK_SECRET=SECRET)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        detail = await booked_call(client, runtime)

        assert detail["stage"] == "done" and detail["outcome"]["status"] == "resolved", detail["log"][-3:]
        booking = detail["booking"]
        assert booking["delivered"]["status"] == 201
        [(key, record)] = receiver.bookings.items()
        assert receiver.requests == 1 and receiver.refused == []
        assert key == booking["idempotency_key"] == record["idempotency_key"]
        offer = detail["offers"][0]
        assert (record["hotel_name"], record["room_id"], record["price_per_night"], record["currency"]) == (
            offer["hotel_name"], offer["room_id"], offer["price_per_night"], offer["currency"])
        assert (record["check_in"], record["check_out"], record["nights"], record["guests"]) == ("2027-04-14", "2027-04-18", 4, 3)
        assert record["customer"]["email"] == "maria.costa@example.com" and record["customer"]["phone"] == "+351912345678"
        assert record["call"]["call_id"] == detail["calls"][0]["call_id"] and record["call"]["cost"] == detail["call_cost"] > 0
        assert "Refundable rates can be cancelled free of charge" in record["cancellation_terms"]

        confirmation = outbox_messages(runtime)[detail["emails"][-1]["message_id"]]
        assert booking["reference"] in confirmation["Subject"] and record["reference"] == booking["reference"]
        assert f"€{offer['price_per_night']:,.0f} per night" in confirmation.get_body(("plain",)).get_content()
        [note] = await runtime.services.helpdesk.notes("1001")
        assert booking["reference"] in note and "delivered to the booking system" in note


async def test_the_generic_webhook_secret_signs_when_no_booking_secret_is_set(tmp_path, kb, receiver):
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", WEBHOOK_SECRET=SECRET)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        detail = await booked_call(client, runtime, "haggles")
    assert detail["stage"] == "done" and receiver.refused == []
    [record] = receiver.bookings.values()
    # The discount granted on the call, within the cap, is the price booked and confirmed.
    offer = detail["offers"][0]
    said = round(offer["price_per_night"] * (1 - settings.max_discount_pct / 100))  # as the agent said it
    assert record["price_per_night"] == said and record["list_price_per_night"] == offer["price_per_night"]
    assert 0 < record["discount_pct"] <= settings.max_discount_pct


async def settle(client, thread_id: str, until, timeout_s: float = 30) -> dict:
    """The thread once `until(detail)` holds (timers due now are picked up by the sweeper)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not until(detail := await thread(client, thread_id)):
        assert asyncio.get_running_loop().time() < deadline, detail["log"][-3:]
        await asyncio.sleep(0.1)
    return detail


async def test_an_unacknowledged_record_is_delivered_again_until_it_is_then_never_twice(tmp_path, kb, receiver, monkeypatch):
    """Down: the quick retries fail, so a durable timer delivers it again; the team hears of it after
    three failed rounds; once the receiver is back the record arrives exactly once."""
    monkeypatch.setattr("concierge.agents.booking_record.FIRST_RETRY_S", 0)  # timers due at once
    receiver.down = 3 * 3  # three rounds of three quick attempts
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", BOOKING_WEBHOOK_SECRET=SECRET)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        await booked_call(client, runtime)
        detail = await settle(client, "local:1001", lambda d: d["stage"] == "done")
        await runtime.queue.join()  # the timer that resumed it is marked done once its run ends

        assert detail["booking"]["delivered"]["status"] == 201 and detail["booking"]["failures"] == 3
        assert receiver.requests == 10 and len(receiver.bookings) == 1
        timers = [e for e in await all_events(runtime) if e["kind"] == BOOKING_RETRY]
        assert [(t["event_id"], t["status"]) for t in timers] == [(f"local:1001:booking:retry:{n}", "done") for n in (1, 2, 3)]
        assert [a["title"] for a in alerts(runtime) if "booking system" in a["title"]] == [
            f"Booking {detail['booking']['reference']} not yet in the booking system"]
        assert [n["text"] for n in detail["log"] if n["node"] == "booking_record"][0].startswith("booking system did not acknowledge")
        assert len(detail["emails"]) == 2  # the confirmation went out once, before the first delivery

        # A stray retry timer after delivery changes nothing and delivers nothing.
        assert await runtime.queue.enqueue("timer", "late", BOOKING_RETRY, "local:1001", {"type": BOOKING_RETRY})
        await runtime.queue.join()
        assert receiver.requests == 10 and (await thread(client, "local:1001"))["stage"] == "done"
        [late] = [e for e in await all_events(runtime) if e["event_id"] == "late"]
        assert late["status"] == "ignored"  # outdated, not an error


async def test_a_record_still_undelivered_waits_on_a_durable_timer(tmp_path, kb, receiver):
    receiver.down = 100
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", BOOKING_WEBHOOK_SECRET=SECRET)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        detail = await booked_call(client, runtime)
        assert detail["waiting_for"] == "booking_system" and detail["booking"]["failures"] == 1
        assert detail["booking"]["last_error"].startswith("HTTP 500") and receiver.requests == 3
        [timer] = [e for e in await all_events(runtime) if e["kind"] == BOOKING_RETRY]
        assert timer["status"] == "pending" and timer["not_before"] > detail["log"][-1]["at"]  # ~30 s later, kept in the inbox


async def test_a_receiver_that_refuses_our_signature_gets_no_booking(tmp_path, kb, receiver):
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", BOOKING_WEBHOOK_SECRET="not-the-receivers")
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        detail = await booked_call(client, runtime)
    assert detail["waiting_for"] == "booking_system" and "HTTP 401" in detail["booking"]["last_error"]
    assert receiver.bookings == {} and receiver.refused == ["signature does not match"] * 3


async def test_a_booking_confirmed_by_email_reaches_the_booking_system_too(tmp_path, kb, receiver):
    settings = make_settings(tmp_path / "data", BOOKING_WEBHOOK_URL=f"{receiver.url}/bookings", BOOKING_WEBHOOK_SECRET=SECRET)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1006")
        for text in ("Can you just email me the details instead? I'd rather not share my number.", "Yes please, book it for us."):
            (await send_customer_reply(client, runtime, "local:1006", text)).raise_for_status()
            await runtime.queue.join()
        detail = await thread(client, "local:1006")
    assert detail["stage"] == "done" and detail["booking"]["delivered"]["status"] == 201
    [record] = receiver.bookings.values()
    assert (record["channel"], record["call"], record["customer"]["phone"]) == ("email", None, None)
    assert (record["check_in"], record["check_out"], record["guests"]) == ("2026-12-29", "2027-01-02", 2)
    assert record["idempotency_key"] == "local:1006:booking:email" and record["reference"] == detail["booking"]["reference"]


def test_the_retry_delay_grows_and_is_capped():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]
