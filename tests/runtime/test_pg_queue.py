"""The PostgreSQL job queue (procrastinate) on the machine's real server: two queues on one database
stand for two worker processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from concierge.db.store import AppStore
from concierge.runtime.pg_queue import TASK, PostgresQueue
from concierge.runtime.processing import RECOVERY
from tests.runtime.test_queue import RecordingRunner


@pytest.fixture
def store(pg_store):
    return pg_store


def queue(runner, store, pg_url, **options) -> PostgresQueue:
    return PostgresQueue(runner, store, database_url=pg_url, poll_interval_s=0.1, **options)


async def a_killed_worker_running(store: AppStore, pg_url: str, source: str, event_id: str, thread_id: str) -> None:
    """Leave the job of an event `doing` under a worker that stopped sending heartbeats (kill -9)."""
    dead = queue(RecordingRunner(), store, pg_url)
    await dead.app.open_async()
    try:
        await dead._defer(source, event_id, thread_id)
        worker_id = await dead.app.job_manager.register_worker()
        job = await dead.app.job_manager.fetch_job(queues=None, worker_id=worker_id)
        assert job is not None and job.task_name == TASK
    finally:
        await dead.app.close_async()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")


async def run_until_idle(worker: PostgresQueue, timeout_s: float = 30) -> None:
    await worker.start()
    try:
        await asyncio.wait_for(worker.join(), timeout_s)
    finally:
        await worker.stop()


async def test_jobs_of_one_thread_never_overlap_across_worker_processes(store, pg_url):
    runner = RecordingRunner()
    first, second = queue(runner, store, pg_url, workers=2), queue(runner, store, pg_url, workers=2)
    await first.start()
    await second.start()
    try:
        for i in range(4):
            for thread_id in ("local:1", "local:2"):
                assert await first.enqueue("test", f"{thread_id}:{i}", "email_reply", thread_id, {"type": "email_reply"})
        assert not await second.enqueue("test", "local:1:0", "email_reply", "local:1", {"type": "email_reply"})  # a re-delivery
        await asyncio.wait_for(first.join(), 60)
    finally:
        await first.stop()
        await second.stop()
    assert dict(runner.most_per_thread) == {"local:1": 1, "local:2": 1}
    assert runner.most_overall == 2  # different threads did run side by side
    assert await store.pending_events() == []
    assert [e["status"] for e in await store.events("local:1")] == ["done"] * 4


async def test_an_event_recorded_but_never_queued_is_picked_up(store, pg_url):
    """A process that stopped between recording an event and deferring its job loses nothing."""
    await store.record_event("test", "orphan", "email_reply", "local:1", {"type": "email_reply"})
    runner = RecordingRunner()
    worker = queue(runner, store, pg_url, workers=1)
    assert await worker.start() == 1
    try:
        await asyncio.wait_for(worker.join(), 60)
    finally:
        await worker.stop()
    assert runner.most_per_thread == {"local:1": 1}
    assert (await store.event("test", "orphan"))["status"] == "done"


async def test_a_timer_waits_without_holding_back_its_thread(store, pg_url):
    later = datetime.now(UTC) + timedelta(hours=48)
    await store.schedule("local:1", "reminder_due", {}, at=later, key="local:1:reminder:1")
    await store.schedule("local:1", "call_window_open", {}, at=datetime.now(UTC) - timedelta(seconds=1), key="local:1:window")
    runner = RecordingRunner()
    worker = queue(runner, store, pg_url, workers=1)
    await worker.start()
    try:
        assert await worker.enqueue("test", "reply", "email_reply", "local:1", {"type": "email_reply"})
        await asyncio.wait_for(worker.join(), 60)
    finally:
        await worker.stop()
    assert (await store.event("test", "reply"))["status"] == "done"
    assert (await store.event("timer", "local:1:window"))["status"] == "done"  # due: it became a job
    assert (await store.event("timer", "local:1:reminder:1"))["status"] == "pending"  # not yet
    with psycopg.connect(pg_url) as conn:
        queued = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = 'timer:local:1:reminder:1'").fetchone()[0]
    assert queued == 0


async def test_the_job_of_a_killed_worker_is_taken_over(store, pg_url):
    """A worker that stops sending heartbeats (kill -9) leaves its job `doing`; another takes it over."""
    await store.record_event("test", "e1", "email_reply", "local:1", {"type": "email_reply"})
    await a_killed_worker_running(store, pg_url, "test", "e1", "local:1")
    runner = RecordingRunner()
    await run_until_idle(queue(runner, store, pg_url, workers=1, stalled_after_s=3))
    assert runner.most_per_thread == {"local:1": 1}
    assert (await store.event("test", "e1"))["status"] == "done"


async def test_a_transient_failure_is_retried_through_the_queue(store, pg_url):
    class FlakyRunner(RecordingRunner):
        calls = 0

        async def resume(self, thread_id: str, value: dict) -> None:
            FlakyRunner.calls += 1
            if FlakyRunner.calls == 1:
                raise ConnectionError("the LLM is unreachable")

    runner = FlakyRunner()
    worker = queue(runner, store, pg_url, workers=1, backoff_s=0.2)
    await worker.start()
    try:
        await worker.enqueue("test", "e1", "email_reply", "local:1", {"type": "email_reply"})
        for _ in range(100):
            if (await store.event("test", "e1"))["status"] == "done":
                break
            await asyncio.sleep(0.1)
    finally:
        await worker.stop()
    event = await store.event("test", "e1")
    assert (event["status"], event["attempts"], FlakyRunner.calls) == ("done", 1, 2)


async def test_a_killed_workers_recovery_job_does_not_block_its_thread_behind_a_new_one(store, pg_url):
    """A worker killed while carrying on an interrupted run leaves that job `doing`; the restarted
    worker queues a new carry-on for the same thread (still marked running). Retrying the dead
    job would then clash with the new one's queueing lock: it must not hold the thread's lock
    for ever, and the thread's later events must run."""
    class CarryingRunner(RecordingRunner):
        carried = 0

        async def carry_on(self, thread_id: str) -> bool:
            CarryingRunner.carried += 1
            await self._job(thread_id)
            return True

    await store.register_thread("local:1", "local", "1")
    await store.set_thread_status("local:1", "running")
    await a_killed_worker_running(store, pg_url, RECOVERY, "local:1", "local:1")
    await store.record_event("test", "later", "email_reply", "local:1", {"type": "email_reply"})
    await run_until_idle(queue(CarryingRunner(), store, pg_url, workers=1, stalled_after_s=3))
    assert (await store.event("test", "later"))["status"] == "done"
    with psycopg.connect(pg_url) as conn:
        left = conn.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s AND status IN ('todo', 'doing')",
                            (TASK,)).fetchall()
    assert left == []
