"""MAX_CONCURRENT_CALLS: never more calls in progress than the account's lines, across processes
sharing the store; the rest wait in order and go out as lines free up, inside their windows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from concierge.cli.demo import report_call, send_customer_reply
from concierge.db.store import AppStore
from concierge.db.tables import effects
from concierge.runtime.process import open_runtime
from concierge.tools.voice.lines import LINE_FREE, STALE_AFTER, CallLines
from tests.conftest import make_settings
from tests.server import all_events, asgi_client, assign, call_files, thread

T0 = datetime(2030, 1, 14, 10, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["sqlite", "postgres"])
async def two_processes(request, tmp_path):
    """Two stores on one database, as two processes would have, on each engine."""
    target = tmp_path / "concierge.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    stores = [AppStore(target), AppStore(target)]
    for store in stores:
        await store.open()
    yield stores
    for store in stores:
        await store.close()


async def test_lines_are_shared_across_stores_and_served_first_come_first(two_processes):
    a, b = (CallLines(store, 2) for store in two_processes)
    assert await a.take("t1", at(0)) and await b.take("t2", at(1))
    assert not await a.take("t3", at(2))  # both lines busy: t3 waits first
    assert not await b.take("t4", at(3))  # then t4
    assert await b.take("t1", at(4))  # a thread holding a line keeps it (the dispatcher runs again when resumed)

    assert await b.release("t2") == ["t3"]  # one line free: the first waiting thread is woken
    assert not await a.take("t4", at(5))  # t4 does not jump the queue
    assert await a.take("t3", at(6))
    assert await a.release("t1") == ["t4"]
    assert await b.take("t4", at(7))
    assert {t for _, t in await two_processes[0].claims("call_line:")} == {"t3", "t4"}
    assert await two_processes[1].claims("call_queue:") == []
    assert await a.release("nobody") == []


async def test_a_line_whose_report_never_came_is_freed_after_a_while(two_processes):
    store = two_processes[0]
    lines = CallLines(store, 1)
    assert await lines.take("t1", at(0))
    await store.once("t1:call:1", "t1", lambda _: asyncio.sleep(0, result={"call_id": "c1"}))
    assert not await lines.take("t2", at(1))  # dialled just now: the call may well be in progress
    long_ago = (datetime.now(UTC) - STALE_AFTER - timedelta(minutes=1)).isoformat(timespec="milliseconds")
    async with store.engine.begin() as conn:  # as if dialled long ago
        await conn.execute(update(effects).where(effects.c.key == "t1:call:1").values(created_at=long_ago))
    assert await lines.take("t2", at(2))
    assert [t for _, t in await store.claims("call_line:")] == ["t2"]


async def test_lines_taken_at_once_from_two_stores_never_exceed_the_limit(two_processes):
    lines = [CallLines(store, 3) for store in two_processes]
    taken = await asyncio.gather(*(lines[i % 2].take(f"t{i}", at(i)) for i in range(12)))
    holders = [t for _, t in await two_processes[0].claims("call_line:")]
    assert sum(taken) == len(holders) <= 3 and len(set(holders)) == len(holders)
    assert {f"t{i}" for i, ok in enumerate(taken) if ok} == set(holders)


async def wait_until(client, thread_id: str, waiting: str, timeout_s: float = 20) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (detail := await thread(client, thread_id))["waiting_for"] != waiting:
        assert asyncio.get_running_loop().time() < deadline, (detail["waiting_for"], detail["log"][-3:])
        await asyncio.sleep(0.1)
    return detail


async def test_with_one_line_the_second_call_waits_and_goes_out_when_the_first_ends(tmp_path, kb):
    settings = make_settings(tmp_path / "data", MAX_CONCURRENT_CALLS=1)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        await assign(client, runtime, "1005")
        (await send_customer_reply(client, runtime, "local:1001", "Lovely, call me on +351 912 345 678.")).raise_for_status()
        (await send_customer_reply(client, runtime, "local:1005", "Yes, call me on 07911 123456.")).raise_for_status()
        await runtime.queue.join()

        first, second = await thread(client, "local:1001"), await thread(client, "local:1005")
        assert first["waiting_for"] == "call_report" and second["waiting_for"] == "call_line"
        assert second["calls"] == [] and len(call_files(runtime)) == 1
        [poll] = [e for e in await all_events(runtime) if e["thread_id"] == "local:1005" and e["kind"] == LINE_FREE]
        assert poll["status"] == "pending"  # it also checks again on its own, in case a wake-up is lost

        (await report_call(client, runtime, "local:1001", "books")).raise_for_status()  # the line frees up
        second = await wait_until(client, "local:1005", "call_report")
        assert len(second["calls"]) == 1 and len(call_files(runtime)) == 2
        await runtime.queue.join()
        # Its own check, still due later, is no longer needed: nothing is left pending or failed.
        wakes = [e for e in await all_events(runtime) if e["thread_id"] == "local:1005" and e["kind"] == LINE_FREE]
        assert {e["status"] for e in wakes} <= {"done", "ignored"} and poll["event_id"] in {e["event_id"] for e in wakes}
        assert (await thread(client, "local:1001"))["stage"] == "done"


async def test_a_thread_closed_while_waiting_for_a_line_gives_up_its_place(tmp_path, kb):
    settings = make_settings(tmp_path / "data", MAX_CONCURRENT_CALLS=1)
    async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
        for ticket, text in (("1001", "Call me on +351 912 345 678."), ("1005", "Call me on 07911 123456."),
                             ("1004", "Call me on +34 612 345 678.")):
            await assign(client, runtime, ticket)
            (await send_customer_reply(client, runtime, f"local:{ticket}", text)).raise_for_status()
            await runtime.queue.join()
        assert [(await thread(client, f"local:{t}"))["waiting_for"] for t in ("1001", "1005", "1004")] == [
            "call_report", "call_line", "call_line"]

        r = await client.post("/api/v1/threads/local:1005/resume", json={"action": "close", "note": "booked by phone"})
        assert r.status_code in (200, 202), r.text
        await runtime.queue.join()
        assert (await thread(client, "local:1005"))["stage"] == "done"
        assert [t for _, t in await runtime.services.store.claims("call_queue:")] == ["local:1004"]

        (await report_call(client, runtime, "local:1001", "no_answer")).raise_for_status()
        # 1004 was next in line: it takes the line before 1001's retry (which waits its spacing anyway).
        detail = await wait_until(client, "local:1004", "call_report")
        assert len(detail["calls"]) == 1
