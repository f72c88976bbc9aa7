from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from concierge.db.ledger import EffectInDoubt
from concierge.db.store import AppStore

# The first released schema of the embedded store (before Alembic): a file from then is upgraded in place.
FIRST_SCHEMA = """
CREATE TABLE threads (thread_id TEXT PRIMARY KEY, helpdesk TEXT NOT NULL, ticket_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE events (
    source TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, thread_id TEXT NOT NULL,
    payload TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending', error TEXT,
    received_at TEXT NOT NULL, processed_at TEXT, PRIMARY KEY (source, event_id)
);
CREATE INDEX events_pending ON events (status, received_at);
CREATE TABLE effects (key TEXT PRIMARY KEY, thread_id TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE correlations (key TEXT PRIMARY KEY, thread_id TEXT NOT NULL);
"""


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path):
    """Every store test runs on both engines: one code path must behave the same on each."""
    target = tmp_path / "app" / "concierge.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = AppStore(target)
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

    async def effect(intent):
        runs.append(intent)
        return {"message_id": intent["message_id"]}

    intent = {"message_id": "<m1@x>"}
    assert await store.once("local:1001:email:1", "local:1001", effect, intent=intent) == ({"message_id": "<m1@x>"}, True)
    assert await store.once("local:1001:email:1", "local:1001", effect, intent={"message_id": "<other@x>"}) == \
        ({"message_id": "<m1@x>"}, False)
    assert runs == [intent]
    assert (await store.once("local:1001:email:2", "local:1001", effect, intent={"message_id": "<m2@x>"}))[1] is True
    assert [e["key"] for e in await store.effects("local:1001")] == ["local:1001:email:1", "local:1001:email:2"]
    assert await store.effect_result("local:1001:email:1") == {"message_id": "<m1@x>"}


async def test_a_failed_effect_runs_again_with_its_first_intent(store):
    attempts = []

    async def flaky(intent):
        attempts.append(intent)
        if len(attempts) == 1:
            raise ConnectionError("provider down")
        return "sent"

    with pytest.raises(ConnectionError):
        await store.once("k", "local:1", flaky, intent={"message_id": "<first@x>"})
    assert [e["status"] for e in await store.effects("local:1")] == ["failed"]
    # A second attempt reuses the intent recorded before the first, not a new one.
    assert await store.once("k", "local:1", flaky, intent={"message_id": "<second@x>"}) == ("sent", True)
    assert attempts == [{"message_id": "<first@x>"}] * 2


async def _interrupted(store, key="k"):
    """An effect whose intent was recorded, as when the process stopped during the effect."""

    async def crash(intent):
        raise asyncio.CancelledError  # what a kill mid-effect leaves: the intent, no result

    with pytest.raises(asyncio.CancelledError):
        await store.once(key, "local:1", crash, intent={"message_id": "<m@x>"})


async def test_an_interrupted_effect_is_not_repeated_blindly(store):
    await _interrupted(store)
    runs = []

    async def effect(intent):
        runs.append(intent)
        return "sent"

    with pytest.raises(EffectInDoubt, match="unknown"):
        await store.once("k", "local:1", effect)
    assert runs == []
    # A provider that deduplicates by key may be asked again, with the same intent.
    assert await store.once("k", "local:1", effect, retry_safe=True) == ("sent", True)
    assert runs == [{"message_id": "<m@x>"}]


async def test_an_operator_releases_an_effect_in_doubt(store):
    await _interrupted(store)
    assert await store.release_in_doubt("local:1") == 1

    async def effect(intent):
        return "sent"

    assert await store.once("k", "local:1", effect) == ("sent", True)


async def test_a_timeout_leaves_the_effect_in_doubt(store):
    async def slow(intent):
        raise TimeoutError("provider did not answer")

    with pytest.raises(TimeoutError):
        await store.once("k", "local:1", slow)
    with pytest.raises(EffectInDoubt):  # it may have been delivered after all
        await store.once("k", "local:1", slow)


async def test_once_runs_an_effect_returning_none_once(store):
    # Regression: a stored JSON null counted as 'not done', so the effect ran again and the INSERT failed.
    runs = []

    async def effect(intent):
        runs.append(1)

    assert await store.once("k", "local:1", effect) == (None, True)
    assert await store.once("k", "local:1", effect) == (None, False)
    assert runs == [1]


async def test_timers_are_due_at_their_time_and_deduplicated(store):
    now = datetime.now(UTC)
    assert await store.schedule("local:1", "reminder_due", {"n": 1}, at=now + timedelta(hours=48), key="local:1:reminder:1")
    assert not await store.schedule("local:1", "reminder_due", {"n": 2}, at=now, key="local:1:reminder:1")
    assert await store.pending_events(due_by=now) == []
    [due] = await store.pending_events(due_by=now + timedelta(hours=49))
    assert due["payload"] == {"type": "reminder_due", "n": 1} and due["kind"] == "reminder_due"


async def test_a_transient_failure_keeps_the_event_pending_until_later(store):
    await store.record_event("email", "e1", "email_reply", "local:1", {"text": "hi"})
    now = datetime.now(UTC)
    await store.retry_event_later("email", "e1", at=now + timedelta(seconds=30), error="ConnectError: llm down")
    assert await store.pending_events(due_by=now) == []
    [event] = await store.pending_events(due_by=now + timedelta(seconds=31))
    assert (event["attempts"], event["error"]) == (1, "ConnectError: llm down")


async def test_an_old_store_file_is_migrated_in_place(tmp_path):
    import aiosqlite

    path = tmp_path / "old.sqlite"
    async with aiosqlite.connect(path) as db:  # the first released schema, with one done effect
        await db.executescript(FIRST_SCHEMA)
        await db.execute("INSERT INTO effects VALUES ('k', 'local:1', '\"sent\"', '2026-01-01')")
        await db.commit()
    store = AppStore(path)
    await store.open()
    try:
        assert await store.effect_result("k") == "sent"
        assert await store.schedule("local:1", "t", {}, at=datetime.now(UTC), key="t1")
    finally:
        await store.close()


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
