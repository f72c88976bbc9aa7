"""A thread that stopped moving alerts the team once; one that waits for the customer does not."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from concierge.runtime.process import open_runtime
from concierge.runtime.stuck import alert_stuck
from concierge.server.app import serving
from tests.conftest import make_settings
from tests.server import alerts, assign

LATER = timedelta(hours=25)  # past the default STUCK_AFTER of 24 h


async def test_an_event_nobody_processes_alerts_the_team_once(tmp_path, kb):
    settings = make_settings(tmp_path / "data")
    # mode "none": this process records events but processes none, like a server whose workers died.
    async with open_runtime(settings, kb=kb, mode="none") as rt:
        await rt.queue.enqueue("email", "m-1", "email_reply", "local:1001", {"type": "email_reply"})
        assert await alert_stuck(rt) == []  # just received: not stuck yet

        stuck = await alert_stuck(rt, now=datetime.now(UTC) + LATER)
        assert [(s.thread_id, s.reason) for s in stuck] == [("local:1001", "event")]
        again = await alert_stuck(rt, now=datetime.now(UTC) + LATER + timedelta(hours=1))
        assert again == []

        sent = [a for a in alerts(rt) if "stuck" in a["idempotency_key"]]
        assert len(sent) == 1
        assert sent[0]["title"] == "Thread local:1001 is stuck"
        assert "email_reply event email:m-1" in sent[0]["text"] and "still not processed" in sent[0]["text"]


async def test_a_thread_waiting_for_the_customer_is_not_stuck(client, runtime):
    detail = await assign(client, runtime, "1001")
    assert detail["waiting_for"] == "email_reply"
    # A day and more later (before its reminder is due), the wait is legitimate: nothing is stuck.
    assert await alert_stuck(runtime, now=datetime.now(UTC) + LATER) == []
    assert not [a for a in alerts(runtime) if "stuck" in a["idempotency_key"]]


async def test_a_run_that_broke_off_alerts_once_and_a_new_stop_alerts_again(runtime):
    store = runtime.services.store
    await store.register_thread("local:1003", "local", "1003")
    await store.set_thread_status("local:1003", "running")  # a run started and never reached a wait or the end
    stuck = await alert_stuck(runtime, now=datetime.now(UTC) + LATER)
    assert [(s.thread_id, s.reason) for s in stuck] == [("local:1003", "running")]
    assert await alert_stuck(runtime, now=datetime.now(UTC) + LATER) == []

    await asyncio.sleep(0.01)
    await store.set_thread_status("local:1003", "running")  # carried on, then stopped again later
    assert [s.reason for s in await alert_stuck(runtime, now=datetime.now(UTC) + LATER)] == ["running"]
    assert len([a for a in alerts(runtime) if "stuck" in a["idempotency_key"]]) == 2


async def test_a_thread_that_reached_a_wait_is_no_longer_stuck(client, runtime):
    await assign(client, runtime, "1001")
    await runtime.services.store.set_thread_status("local:1001", "running")
    assert [s.thread_id for s in await alert_stuck(runtime, now=datetime.now(UTC) + LATER)] == ["local:1001"]
    await runtime.runner.record_status("local:1001")  # what the end of a run writes
    assert await alert_stuck(runtime, now=datetime.now(UTC) + LATER + timedelta(hours=1)) == []


async def test_the_server_watches_for_stuck_threads_on_its_own(tmp_path, kb):
    """With a short STUCK_AFTER the running server alerts without being asked."""
    settings = make_settings(tmp_path / "data", STUCK_AFTER="1s")
    async with open_runtime(settings, kb=kb, workers=1) as rt, serving(rt):
        await rt.services.store.register_thread("local:1009", "local", "1009")
        await rt.services.store.set_thread_status("local:1009", "running")  # a run that never ends
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not [a for a in alerts(rt) if "stuck" in a["idempotency_key"]]:
            await asyncio.sleep(0.2)
        titles = [a["title"] for a in alerts(rt) if "stuck" in a["idempotency_key"]]
    assert titles == ["Thread local:1009 is stuck"]
