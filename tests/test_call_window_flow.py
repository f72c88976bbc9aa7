"""No call goes out outside the customer's local calling hours: the dispatcher waits on a durable
timer at the window's next opening, and dials only when woken inside the window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concierge.demo import report_call, send_customer_reply
from concierge.server.runtime import open_runtime
from tests.conftest import make_settings
from tests.server import all_events, asgi_client, assign, call_files, thread

NIGHT = datetime(2030, 1, 14, 3, 0, tzinfo=UTC)  # Monday 03:00 in London; far ahead, so the real timer never fires here
OPENING = datetime(2030, 1, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
async def windowed(tmp_path, kb):
    settings = make_settings(tmp_path / "data", CALL_WINDOW="09:00-20:00", CALL_ON_SUNDAYS=False)
    async with open_runtime(settings, kb=kb, workers=2) as rt, asgi_client(rt) as client:
        yield rt, client


async def test_a_call_outside_the_window_waits_for_the_opening(windowed, monkeypatch):
    runtime, client = windowed
    clock = {"now": NIGHT}
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: clock["now"])
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
    await runtime.queue.join()

    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_window" and detail["calls"] == [] and call_files(runtime) == []
    [timer] = [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]
    assert timer["kind"] == "call_window_open" and timer["not_before"].startswith("2030-01-14T09:00")

    # Woken early (a clock skew, a stray event): still outside, so it waits again and dials nobody.
    clock["now"] = datetime(2030, 1, 14, 8, 59, tzinfo=UTC)
    assert await runtime.queue.enqueue("timer", "early", "call_window_open", "local:1005", {"type": "call_window_open"})
    await runtime.queue.join()
    assert (await thread(client, "local:1005"))["waiting_for"] == "call_window" and call_files(runtime) == []

    clock["now"] = OPENING
    assert await runtime.queue.enqueue("timer", "due", "call_window_open", "local:1005", {"type": "call_window_open"})
    await runtime.queue.join()
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 1 and len(call_files(runtime)) == 1


async def test_a_call_inside_the_window_goes_out_at_once(windowed, monkeypatch):
    runtime, client = windowed
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: datetime(2030, 1, 14, 15, 0, tzinfo=UTC))
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_report" and len(call_files(runtime)) == 1
    assert not [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]


async def test_unanswered_calls_are_retried_in_the_window_then_escalated(tmp_path, kb, monkeypatch):
    """No answer at 19:30: the retry (two hours later) would fall at 21:30, so it waits for 09:00 next morning."""
    settings = make_settings(tmp_path / "data", CALL_WINDOW="09:00-20:00", CALL_ATTEMPTS=2, CALL_RETRY_MINUTES=120)
    clock = {"now": datetime(2030, 1, 14, 19, 30, tzinfo=UTC)}
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: clock["now"])
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1005")
        (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
        await runtime.queue.join()
        (await report_call(client, runtime, "local:1005", "no_answer")).raise_for_status()
        await runtime.queue.join()

        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "call_window" and len(detail["calls"]) == 1
        timers = [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]
        assert [t["not_before"][:16] for t in timers] == ["2030-01-15T09:00"]

        clock["now"] = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
        assert await runtime.queue.enqueue("timer", "due", "call_window_open", "local:1005", {"type": "call_window_open"})
        await runtime.queue.join()
        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 2 and len(call_files(runtime)) == 2

        (await report_call(client, runtime, "local:1005", "no_answer")).raise_for_status()  # the last attempt
        await runtime.queue.join()
        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "human" and len(detail["calls"]) == 2
        assert detail["escalation"]["reasons"] == [
            "The customer could not be reached by phone after 2 call(s) (last: customer-did-not-answer)."]
