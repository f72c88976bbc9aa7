"""No call goes out outside the customer's local calling hours: the dispatcher waits on a durable
timer at the window's next opening, and dials only when woken inside the window."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

from concierge.cli.demo import report_call, send_customer_reply
from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.server import all_events, asgi_client, assign, call_files, nodes, outbox_messages, thread

NIGHT = datetime(2030, 1, 14, 3, 0, tzinfo=UTC)  # Monday 03:00 in London; far ahead, so the real timer never fires here
OPENING = datetime(2030, 1, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
async def windowed(tmp_path, kb):
    settings = make_settings(tmp_path / "data", CALL_WINDOW="09:00-20:00", CALL_ON_SUNDAYS=False)
    async with open_runtime(settings, kb=kb, workers=2) as rt, asgi_client(rt) as client:
        yield rt, client


async def call_asked_at_night(runtime, client, monkeypatch) -> dict:
    """1005's customer asks for a call at 03:00 London time; returns the dispatcher's clock to move."""
    clock = {"now": NIGHT}
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: clock["now"])
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
    await runtime.queue.join()
    return clock


async def test_a_call_outside_the_window_waits_for_the_opening(windowed, monkeypatch):
    runtime, client = windowed
    clock = await call_asked_at_night(runtime, client, monkeypatch)

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


async def test_a_run_killed_while_dialling_at_the_opening_carries_on_when_its_timer_is_retried(windowed, monkeypatch):
    runtime, client = windowed
    clock = await call_asked_at_night(runtime, client, monkeypatch)
    [timer] = [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]
    store, voice = runtime.services.store, runtime.services.voice

    # The worker woken by the timer dies while dialling, before the step's checkpoint: its job is
    # retried, so the timer must still be pending for the retry to carry the call out.
    clock["now"] = OPENING
    place_call = voice.place_call

    class WorkerKilled(BaseException):
        """Stands for SIGKILL: nothing after this point in the run happens."""

    async def killed(request):
        raise WorkerKilled

    monkeypatch.setattr(voice, "place_call", killed)
    with pytest.raises(WorkerKilled):
        await runtime.runner.resume("local:1005", {"type": "call_window_open", "event_id": f"timer:{timer['event_id']}"})
    assert (await store.event("timer", timer["event_id"]))["status"] == "pending" and call_files(runtime) == []

    monkeypatch.setattr(voice, "place_call", place_call)
    await runtime.queue.processor.process({**timer, "source": "timer"})
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 1 and len(call_files(runtime)) == 1
    assert (await store.event("timer", timer["event_id"]))["status"] == "done"


async def test_a_call_inside_the_window_goes_out_at_once(windowed, monkeypatch):
    runtime, client = windowed
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: datetime(2030, 1, 14, 15, 0, tzinfo=UTC))
    await assign(client, runtime, "1005")
    (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_report" and len(call_files(runtime)) == 1
    assert not [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]


@asynccontextmanager
async def clocked_runtime(tmp_path, kb, monkeypatch, start: datetime, **settings):
    """A runtime whose dispatcher reads the time from the returned clock (`clock["now"]`)."""
    clock = {"now": start}
    monkeypatch.setattr("concierge.agents.voice_dispatcher._now", lambda: clock["now"])
    async with open_runtime(make_settings(tmp_path / "data", **settings), kb=kb, workers=2) as runtime, \
            asgi_client(runtime) as client:
        yield runtime, client, clock


async def answered(client, runtime, thread_id: str, text: str) -> None:
    """The customer's reply is processed (and the call it leads to placed or scheduled)."""
    (await send_customer_reply(client, runtime, thread_id, text)).raise_for_status()
    await runtime.queue.join()


async def call_ends(client, runtime, thread_id: str, persona: str) -> None:
    (await report_call(client, runtime, thread_id, persona)).raise_for_status()
    await runtime.queue.join()


async def test_unanswered_calls_are_retried_in_the_window_then_escalated(tmp_path, kb, monkeypatch):
    """No answer at 19:30: the retry (two hours later) would fall at 21:30, so it waits for 09:00 next morning."""
    async with clocked_runtime(tmp_path, kb, monkeypatch, datetime(2030, 1, 14, 19, 30, tzinfo=UTC), CALL_WINDOW="09:00-20:00",
                               CALL_ATTEMPTS=2, CALL_RETRY_MINUTES=120, NO_ANSWER_POLICY="escalate") as (runtime, client, clock):
        await assign(client, runtime, "1005")
        await answered(client, runtime, "local:1005", "Yes, call me on 07911 123456 any time.")
        await call_ends(client, runtime, "local:1005", "no_answer")

        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "call_window" and len(detail["calls"]) == 1
        timers = [e for e in await all_events(runtime) if e["kind"] == "call_window_open"]
        assert [t["not_before"][:16] for t in timers] == ["2030-01-15T09:00"]

        clock["now"] = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
        assert await runtime.queue.enqueue("timer", "due", "call_window_open", "local:1005", {"type": "call_window_open"})
        await runtime.queue.join()
        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 2 and len(call_files(runtime)) == 2

        await call_ends(client, runtime, "local:1005", "no_answer")  # the last attempt
        detail = await thread(client, "local:1005")
        assert detail["waiting_for"] == "human" and len(detail["calls"]) == 2
        assert detail["escalation"]["reasons"] == [
            "The customer could not be reached by phone after 2 call(s) (last: customer-did-not-answer)."]


async def test_after_the_last_unanswered_call_an_email_offers_another_time(tmp_path, kb, monkeypatch):
    """NO_ANSWER_POLICY=email (the default): a follow-up email, threaded, offering another time or
    booking by email; the answer starts a fresh round of calls."""
    async with clocked_runtime(tmp_path, kb, monkeypatch, datetime(2030, 1, 14, 10, 0, tzinfo=UTC),
                               CALL_ATTEMPTS=2, CALL_RETRY_MINUTES=1) as (runtime, client, clock):
        await assign(client, runtime, "1001")
        await answered(client, runtime, "local:1001", "Call me on +351 912 345 678.")
        await call_ends(client, runtime, "local:1001", "voicemail")
        clock["now"] += timedelta(minutes=1)
        assert await runtime.queue.enqueue("timer", "due", "call_window_open", "local:1001", {"type": "call_window_open"})
        await runtime.queue.join()
        await call_ends(client, runtime, "local:1001", "busy")

        detail = await thread(client, "local:1001")
        assert detail["waiting_for"] == "email_reply" and detail["escalation"] is None
        assert [c["ended_reason"] for c in detail["calls"]] == ["voicemail", "customer-busy"]
        followup = detail["emails"][-1]
        assert followup["kind"] == "call_followup" and len(detail["emails"]) == 2
        sent = outbox_messages(runtime)[followup["message_id"]]
        assert sent["In-Reply-To"] == detail["replies"][-1]["message_id"]
        body = sent.get_body(("plain",)).get_content()
        assert "could not reach you" in body and "good time to call" in body and "by email" in body
        assert detail["offers"][0]["hotel_name"] in body
        assert "could not be reached by phone after 2 call(s) (last: customer-busy). Following up by email." in nodes(detail, "call_analyst")[-1]["text"]

        # The customer answers with another number: a new round of calls, counted afresh.
        await answered(client, runtime, "local:1001", "Sorry, I was abroad! Try +351 913 000 111 please.")
        clock["now"] += timedelta(hours=1)
        detail = await thread(client, "local:1001")
        assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 3
        (await report_call(client, runtime, "local:1001", "no_answer")).raise_for_status()
        await runtime.queue.join()
        detail = await thread(client, "local:1001")  # one more try (its spacing has passed) before any follow-up
        assert detail["waiting_for"] == "call_report" and len(detail["calls"]) == 4 and len(detail["emails"]) == 2
        await call_ends(client, runtime, "local:1001", "no_answer")
        detail = await thread(client, "local:1001")
        assert detail["waiting_for"] == "email_reply" and [e["kind"] for e in detail["emails"]][-2:] == ["call_followup"] * 2


@pytest.mark.parametrize(("asked", "expected"), [
    ("2030-01-14T21:30:00+00:00", "2030-01-15T09:00"),  # after hours: the next morning's opening
    ("2030-01-14T12:00:00+05:30", "2030-01-14T09:00"),  # 06:30 UTC, before the London window: its opening
    ("2030-01-14T08:00:00+00:00", "2030-01-14T10:00"),  # already past: as soon as the window allows (now)
])
def test_a_requested_time_is_kept_inside_the_window(asked, expected):
    from concierge.agents.voice_dispatcher import requested_time
    from concierge.tools.voice.calling_hours import CallWindow, next_call_time

    now = datetime(2030, 1, 14, 10, 0, tzinfo=UTC) if expected.endswith("10:00") else datetime(2030, 1, 14, 5, 0, tzinfo=UTC)
    requested = requested_time({"call_at": asked, "calls": []}, 120)
    assert next_call_time("+447911123456", now, CallWindow.parse("09:00-20:00"), requested).isoformat().startswith(expected)


def test_a_requested_time_before_the_last_call_is_spent():
    from concierge.agents.voice_dispatcher import requested_time

    calls = [{"placed_at": "2030-01-14T18:00:05+00:00"}]
    assert requested_time({"call_at": "2030-01-14T18:00:00+00:00", "calls": calls, "stage": "phone_found"}, 120) is None
    assert requested_time({"call_at": "2030-01-15T10:00:00+00:00", "calls": calls, "stage": "phone_found"}, 120) \
        == datetime(2030, 1, 15, 10, 0, tzinfo=UTC)
    assert requested_time({"calls": calls, "stage": "call_unanswered"}, 90) == datetime(2030, 1, 14, 19, 30, 5, tzinfo=UTC)
