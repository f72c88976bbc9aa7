"""Fencing on the machine's real PostgreSQL: an attempt whose job another worker took over writes
no checkpoint and starts no effect; the attempt that took it over writes both."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from langgraph.checkpoint.base import empty_checkpoint

from concierge.db.checkpoints import open_checkpointer
from concierge.db.fencing import Superseded, fenced
from concierge.db.store import AppStore
from concierge.runtime.pg_queue import PostgresQueue
from concierge.runtime.processing import EventProcessor
from concierge.runtime.runner import NotWaiting
from tests.runtime.test_queue import RecordingRunner


@pytest.fixture
def store(pg_store):
    return pg_store


@pytest.fixture
async def jobs(store, pg_url):
    """A procrastinate app on the test database and a registered worker to fetch jobs as."""
    queue = PostgresQueue(RecordingRunner(), store, database_url=pg_url)
    await queue.app.open_async()
    worker_id = await queue.app.job_manager.register_worker()

    async def fetch():
        job = await queue.app.job_manager.fetch_job(queues=None, worker_id=worker_id)
        assert job is not None
        return job

    await queue._defer("test", "e1", "local:1")
    yield queue.app.job_manager, fetch
    await queue.app.close_async()


def _config(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


async def _put(saver, thread_id: str) -> None:
    await saver.aput(_config(thread_id), empty_checkpoint(), {"source": "loop", "step": 0}, {})


async def test_a_superseded_attempt_writes_no_checkpoint_and_starts_no_effect(store, jobs, pg_url):
    manager, fetch = jobs
    first = await fetch()
    effects: list[str] = []

    async def send(intent: dict) -> dict:
        effects.append(intent["n"])
        return {"sent": intent["n"]}

    async with open_checkpointer(database_url=pg_url, pool_size=2) as saver:
        with fenced(first.id, first.attempts):  # the job's own attempt writes
            await _put(saver, "local:1")
            assert await store.once("local:1:email:1", "local:1", send, intent={"n": "1"}) == ({"sent": "1"}, True)

        await manager.retry_job(first)  # its worker looked dead: the job is taken over
        second = await fetch()
        assert second.id == first.id and second.attempts == first.attempts + 1

        with fenced(first.id, first.attempts):  # the stalled attempt wakes up
            with pytest.raises(Superseded):
                await _put(saver, "local:1-stale")
            with pytest.raises(Superseded):
                await store.once("local:1:email:2", "local:1", send, intent={"n": "2"})
        with fenced(second.id, second.attempts):
            await _put(saver, "local:1-current")
            assert (await store.once("local:1:email:2", "local:1", send, intent={"n": "2"}))[1] is True

        assert await saver.aget_tuple(_config("local:1-stale")) is None
        assert await saver.aget_tuple(_config("local:1-current")) is not None
    assert effects == ["1", "2"]
    assert [e["key"] for e in await store.effects("local:1")] == ["local:1:email:1", "local:1:email:2"]


async def test_a_superseded_attempt_cannot_mark_the_event_it_finds_moved_on(store, jobs):
    """Woken after the takeover, the stale attempt finds the thread waiting for something else
    (NotWaiting): it must not mark the event failed, nor alert the team about a lost email."""
    manager, fetch = jobs
    first = await fetch()
    await store.record_event("test", "e1", "email_reply", "local:1", {"type": "email_reply"})
    await manager.retry_job(first)
    await fetch()

    class MovedOn(RecordingRunner):
        async def resume(self, thread_id: str, value: dict) -> None:
            raise NotWaiting("the thread waits for call_report, not email_reply")

    with fenced(first.id, first.attempts):
        await EventProcessor(MovedOn(), store).process({"source": "test", "event_id": "e1", "thread_id": "local:1"})
    event = await store.event("test", "e1")
    assert (event["status"], event["error"]) == ("pending", None)  # left to the attempt that took it over


async def test_a_retry_waits_for_the_fenced_write_in_flight(store, jobs, pg_url):
    """The check and the write share a transaction holding the job's row: a takeover that comes
    meanwhile waits for the write to commit, and is seen by the attempt's next write."""
    manager, fetch = jobs
    first = await fetch()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        async with open_checkpointer(database_url=pg_url, pool_size=2) as saver:
            with fenced(first.id, first.attempts):
                async with saver._cursor(pipeline=True):
                    retry = asyncio.create_task(manager.retry_job(first))
                    await asyncio.sleep(0.3)
                    assert not retry.done()  # blocked on the row the write holds
                    status = conn.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", (first.id,)).fetchone()[0]
                    assert status == "doing"
                await asyncio.wait_for(retry, 10)
                with pytest.raises(Superseded):
                    await _put(saver, "local:1")


async def test_a_superseded_attempt_leaves_its_event_to_the_worker_that_took_it_over(tmp_path):
    class TakenOver(RecordingRunner):
        handed = 0

        async def resume(self, thread_id: str, value: dict) -> None:
            raise Superseded("job 1 attempt 0 was taken over by another worker")

        async def hand_to_person(self, thread_id: str, error: str) -> bool:
            TakenOver.handed += 1
            return True

    store = AppStore(tmp_path / "app.sqlite")
    await store.open()
    try:
        await store.record_event("test", "e1", "email_reply", "local:1", {"type": "email_reply"})
        await EventProcessor(TakenOver(), store).process({"source": "test", "event_id": "e1", "thread_id": "local:1"})
        event = await store.event("test", "e1")
    finally:
        await store.close()
    assert (event["status"], event["attempts"], event["error"], TakenOver.handed) == ("pending", 0, None, 0)
