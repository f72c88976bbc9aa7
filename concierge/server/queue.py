"""The embedded job queue: webhook events run on in-process workers, one at a time per thread.

Every event is first written to the inbox (`AppStore.events`); the queue only carries its key.
Events still pending when a process stops are picked up again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from concierge.server.runner import ThreadRunner
from concierge.store import AppStore

logger = logging.getLogger(__name__)


class JobQueue:
    def __init__(self, runner: ThreadRunner, store: AppStore, *, workers: int = 2) -> None:
        self.runner = runner
        self.store = store
        self.workers = workers
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._locks: dict[str, asyncio.Lock] = {}
        self._lock_users: defaultdict[str, int] = defaultdict(int)
        self._done: dict[tuple[str, str], asyncio.Event] = {}
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> int:
        self._tasks = [asyncio.create_task(self._work(), name=f"concierge-worker-{i}") for i in range(self.workers)]
        pending = await self.store.pending_events()
        for event in pending:
            self._put(event)
        return len(pending)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def _put(self, event: dict[str, Any]) -> asyncio.Event:
        key = (event["source"], event["event_id"])
        done = self._done.setdefault(key, asyncio.Event())
        self._queue.put_nowait(event)
        return done

    async def enqueue(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> asyncio.Event | None:
        """Record the event and queue it; None when it was received before (nothing is queued twice)."""
        if not await self.store.record_event(source, event_id, kind, thread_id, payload):
            return None
        return self._put({"source": source, "event_id": event_id, "kind": kind, "thread_id": thread_id, "payload": payload})

    async def join(self) -> None:
        """Wait until every queued event is processed."""
        await self._queue.join()

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                async with self._thread_lock(event["thread_id"]):
                    await self._process(event)
            finally:
                self._queue.task_done()
                done = self._done.pop((event["source"], event["event_id"]), None)
                if done is not None:
                    done.set()

    @asynccontextmanager
    async def _thread_lock(self, thread_id: str) -> AsyncIterator[None]:
        """One job at a time per thread; the lock is dropped when no job holds or awaits it."""
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        self._lock_users[thread_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[thread_id] -= 1
            if not self._lock_users[thread_id]:
                del self._lock_users[thread_id], self._locks[thread_id]

    async def _process(self, event: dict[str, Any]) -> None:
        error = None
        try:
            if event["kind"] == "ticket_assigned":
                await self.runner.start(event["thread_id"], event["payload"]["ticket_id"])
            else:
                await self.runner.resume(event["thread_id"], event["payload"])
        except Exception as exc:  # kept on the event for operators; the worker goes on
            logger.exception("event %s/%s failed", event["source"], event["event_id"])
            error = f"{type(exc).__name__}: {exc}"
        await self.store.finish_event(event["source"], event["event_id"], error=error)
