"""The in-process job queue: one job at a time per thread, different threads in parallel, nothing left behind."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from concierge.db.store import AppStore
from concierge.runtime.queue import JobQueue


class RecordingRunner:
    """Stands in for ThreadRunner: each job takes a moment and records how many run at once."""

    def __init__(self) -> None:
        self.running: defaultdict[str, int] = defaultdict(int)
        self.most_per_thread: defaultdict[str, int] = defaultdict(int)
        self.most_overall = 0

    async def _job(self, thread_id: str) -> None:
        self.running[thread_id] += 1
        self.most_per_thread[thread_id] = max(self.most_per_thread[thread_id], self.running[thread_id])
        self.most_overall = max(self.most_overall, sum(self.running.values()))
        await asyncio.sleep(0.05)
        self.running[thread_id] -= 1

    async def start(self, thread_id: str, ticket_id: str) -> bool:
        await self._job(thread_id)
        return True

    async def resume(self, thread_id: str, value: dict) -> None:
        await self._job(thread_id)


async def test_jobs_of_one_thread_never_overlap_and_threads_run_in_parallel(tmp_path):
    store = AppStore(tmp_path / "app.sqlite")
    await store.open()
    runner = RecordingRunner()
    queue = JobQueue(runner, store, workers=2)
    await queue.start()
    try:
        for i in range(3):
            for thread_id in ("local:1", "local:2"):
                await queue.enqueue("test", f"{thread_id}:{i}", "email_reply", thread_id, {"type": "email_reply"})
        await queue.join()
        pending = await store.pending_events()
    finally:
        await queue.stop()
        await store.close()  # an open aiosqlite connection would keep the test process alive

    assert dict(runner.most_per_thread) == {"local:1": 1, "local:2": 1}
    assert runner.most_overall == 2
    assert queue._locks == {}  # a long-running server keeps no lock per finished thread
    assert pending == []
