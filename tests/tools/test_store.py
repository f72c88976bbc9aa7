from __future__ import annotations

import pytest

from concierge.store import AppStore


@pytest.fixture
async def store(tmp_path):
    s = AppStore(tmp_path / "app" / "concierge.sqlite")
    await s.open()
    yield s
    await s.close()


async def test_record_event_deduplicates_redeliveries(store):
    assert await store.record_event("vapi", "call:1", "call_report", "local:1001", {"a": 1}) is True
    assert await store.record_event("vapi", "call:1", "call_report", "local:1001", {"a": 2}) is False
    # The same event id from another source is another event.
    assert await store.record_event("bland", "call:1", "call_report", "local:1001", {"a": 3}) is True
    [first, _] = await store.pending_events()
    assert first["payload"] == {"a": 1}  # the re-delivery did not overwrite the original


async def test_pending_events_until_finished(store):
    await store.record_event("email", "e1", "email_reply", "local:1001", {"text": "hi"})
    await store.record_event("email", "e2", "email_reply", "local:1002", {"text": "yo"})
    assert [e["event_id"] for e in await store.pending_events()] == ["e1", "e2"]

    await store.finish_event("email", "e1")
    await store.finish_event("email", "e2", error="boom")
    assert await store.pending_events() == []
    [done] = await store.events("local:1001")
    assert (done["status"], done["error"]) == ("done", None)
    [failed] = await store.events("local:1002")
    assert (failed["status"], failed["error"]) == ("failed", "boom")


async def test_once_runs_the_effect_once(store):
    runs = []

    async def effect():
        runs.append(1)
        return {"message_id": f"<m{len(runs)}@x>"}

    assert await store.once("local:1001:email:1", "local:1001", effect) == ({"message_id": "<m1@x>"}, True)
    assert await store.once("local:1001:email:1", "local:1001", effect) == ({"message_id": "<m1@x>"}, False)
    assert runs == [1]
    assert (await store.once("local:1001:email:2", "local:1001", effect))[1] is True
    assert [e["key"] for e in await store.effects("local:1001")] == ["local:1001:email:1", "local:1001:email:2"]
    assert await store.effect_result("local:1001:email:1") == {"message_id": "<m1@x>"}


async def test_a_failed_effect_is_not_recorded_and_runs_again(store):
    attempts = []

    async def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("provider down")
        return "sent"

    with pytest.raises(ConnectionError):
        await store.once("k", "local:1", flaky)
    assert await store.once("k", "local:1", flaky) == ("sent", True)
    assert len(attempts) == 2


async def test_once_runs_an_effect_returning_none_once(store):
    # Regression: a stored JSON null counted as 'not done', so the effect ran again and the INSERT failed.
    runs = []

    async def effect():
        runs.append(1)

    assert await store.once("k", "local:1", effect) == (None, True)
    assert await store.once("k", "local:1", effect) == (None, False)
    assert runs == [1]


async def test_threads_and_correlations(store):
    assert await store.register_thread("local:1001", "local", "1001") is True
    assert await store.register_thread("local:1001", "local", "1001") is False
    assert await store.has_thread("local:1001") and not await store.has_thread("local:1002")
    assert await store.thread_ids() == ["local:1001"]

    await store.link("email:<m1@x>", "local:1001")
    await store.link("call:sim-1", "local:1001")
    assert await store.thread_for("email:<unknown@x>", "email:<m1@x>") == "local:1001"
    assert await store.thread_for("call:sim-2") is None


async def test_a_closed_store_refuses_work(tmp_path):
    with pytest.raises(RuntimeError, match="not open"):
        await AppStore(tmp_path / "x.sqlite").thread_ids()
