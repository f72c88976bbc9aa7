"""The customer's requested call time, end to end: read from the reply, kept as `call_at` in the
customer's zone, waited for by the dialler on a durable timer, and moved by a later email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from concierge.cli.demo import send_customer_reply
from tests.server import WEBHOOKS, all_events, assign, call_files, thread
from tests.server.test_webhooks import reply_body

LONDON = ZoneInfo("Europe/London")
T1005 = "local:1005"


def _coming(weekday: int, now: datetime) -> datetime:
    """The day of that weekday from today on (today itself when it is that day)."""
    return now + timedelta(days=(weekday - now.weekday()) % 7)


async def test_a_requested_time_is_waited_for_and_a_later_email_moves_it(client, runtime, monkeypatch):
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, T1005, "Yes, call me on 07911 123456 tomorrow at 10am.")).raise_for_status()
    await runtime.queue.join()

    now = datetime.now(LONDON)
    tomorrow_10 = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), LONDON).replace(hour=10)
    detail = await thread(client, T1005)
    assert detail["call_at"] == tomorrow_10.isoformat()
    assert detail["waiting_for"] == "call_window" and detail["calls"] == [] and call_files(runtime) == []
    [timer] = [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]
    assert datetime.fromisoformat(timer["not_before"]) == tomorrow_10.astimezone(UTC)

    # While it waits, the customer asks for another time: kept, noted, and the call moves.
    body = reply_body(runtime, detail, "Actually Friday at 6pm is a better time to call.", message_id="<later@customer.example.com>")
    body["from"] = (await runtime.runner.snapshot(T1005)).values["ticket"]["customer"]["email"]
    (await client.post(f"{WEBHOOKS}/inbound_email", json=body)).raise_for_status()
    await runtime.queue.join()
    friday_18 = datetime.combine(_coming(4, now).date(), datetime.min.time(), LONDON).replace(hour=18)
    if friday_18 <= now:  # said on a Friday evening: next week's
        friday_18 += timedelta(days=7)
    detail = await thread(client, T1005)
    assert [(e["while"], e["text"]) for e in detail["kept_emails"]] == [("call_window", "Actually Friday at 6pm is a better time to call.")]
    assert detail["call_at"] == friday_18.isoformat() and detail["waiting_for"] == "call_window"
    timers = [datetime.fromisoformat(e["not_before"]) for e in await all_events(runtime) if e["kind"] == "call_window_open"]
    assert friday_18.astimezone(UTC) in timers
    assert any("Friday at 6pm" in n for n in await runtime.services.helpdesk.notes("1005"))

    # The time comes: the timer wakes the dialler, which calls.
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: friday_18.astimezone(UTC) + timedelta(minutes=1))
    assert await runtime.queue.enqueue("timer", "due", "call_window_open", T1005, {"type": "call_window_open"})
    await runtime.queue.join()
    detail = await thread(client, T1005)
    assert detail["waiting_for"] == "call_report" and len(call_files(runtime)) == 1
