"""The embedded job queue: webhook events run on in-process workers, one at a time per thread.

Every event is first written to the inbox (`AppStore.events`); the queue only carries its key.
A sweeper picks up what the inbox holds and no worker has: events left pending when a process
stopped, timers that fell due, events recorded by another process (the CLI). At start, threads
whose last run stopped between steps are carried on.

Modes: `all` (serve, demo) processes everything and holds the data folder's processing lock;
`own` processes only the events this process records (a CLI decision while no server runs);
`none` only records (read-only commands, or a CLI while a server runs).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from concierge.db.store import AppStore
from concierge.runtime.processing import RECOVERY, EventProcessor, cancel_all, record, sweep_forever
from concierge.runtime.runner import ThreadRunner

logger = logging.getLogger(__name__)

Mode = Literal["all", "own", "none"]


class ProcessingLocked(RuntimeError):
    """Another process already processes this data folder's events."""


class ProcessingLock:
    """One event-processing process per embedded (SQLite) data folder: an exclusive file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise ProcessingLocked(
                f"another Concierge process (pid {holder}) is already processing events in {self.path.parent}; "
                "stop it first (the embedded SQLite runtime allows one)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class JobQueue:
    def __init__(self, runner: ThreadRunner, store: AppStore, *, workers: int = 2, mode: Mode = "all",
                 poll_interval_s: float = 0.5, backoff_s: float = 2.0) -> None:
        self.runner = runner
        self.store = store
        self.workers = workers
        self.mode = mode
        self.poll_interval_s = poll_interval_s
        self.processor = EventProcessor(runner, store, backoff_s=backoff_s)
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._locks: dict[str, asyncio.Lock] = {}
        self._lock_users: defaultdict[str, int] = defaultdict(int)
        self._inflight: set[tuple[str, str]] = set()
        self._done: dict[tuple[str, str], asyncio.Event] = {}
        self._tasks: list[asyncio.Task] = []

    @property
    def processing(self) -> bool:
        return self.mode != "none"

    async def start(self) -> int:
        """Start the workers; in `all` mode queue the backlog and carry on interrupted threads."""
        if not self.processing:
            return 0
        self._tasks = [asyncio.create_task(self._work(), name=f"concierge-worker-{i}") for i in range(self.workers)]
        if self.mode != "all":
            return 0
        backlog = 0
        # Threads whose last run stopped between steps (the store marks a thread running until its run ends).
        for thread in await self.store.threads_by_status("running"):
            self._put({"source": RECOVERY, "event_id": thread["thread_id"], "kind": "carry_on", "thread_id": thread["thread_id"]})
            backlog += 1
        backlog += await self.sweep()
        self._tasks.append(asyncio.create_task(sweep_forever(self.sweep, self.poll_interval_s), name="concierge-sweeper"))
        return backlog

    def problem(self) -> str | None:
        """Why this queue cannot work on events now (for /readyz), or None."""
        if not self.processing:
            return "this process only records events (another one processes them)"
        stopped = [t.get_name() for t in self._tasks if t.done()]
        if not self._tasks or stopped:
            return f"workers not running: {', '.join(stopped) or 'not started'}"
        return None

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks = []

    async def sweep(self) -> int:
        """Queue every due pending event that no worker holds yet."""
        due = [e for e in await self.store.pending_events(due_by=datetime.now(UTC)) if (e["source"], e["event_id"]) not in self._inflight]
        for event in due:
            self._put(event)
        return len(due)


    def _put(self, event: dict[str, Any]) -> None:
        key = (event["source"], event["event_id"])
        self._inflight.add(key)
        self._queue.put_nowait(event)

    async def enqueue(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> bool:
        """Record the event and, when this process works, queue it; False when it was received before."""
        if not await record(self.store, source, event_id, kind, thread_id, payload):
            return False
        if self.processing:
            self._put({"source": source, "event_id": event_id, "kind": kind, "thread_id": thread_id, "payload": payload})
        return True

    async def wait_for(self, source: str, event_id: str, timeout_s: float) -> dict[str, Any] | None:
        """The event once it is no longer pending (done, failed, ignored), or None after `timeout_s`.
        Works whichever process runs it: it reads the inbox."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        done = self._done.setdefault((source, event_id), asyncio.Event())
        while True:
            event = await self.store.event(source, event_id)
            if event is None or event["status"] != "pending":
                return event
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(done.wait(), min(remaining, self.poll_interval_s))
            except TimeoutError:
                pass

    async def join(self) -> None:
        """Wait until every queued event is processed."""
        await self._queue.join()

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            key = (event["source"], event["event_id"])
            try:
                async with self._thread_lock(event["thread_id"]):
                    await self.processor.process(event)
            except Exception:  # never lose the worker; the event stays in the inbox for the next sweep
                logger.exception("event %s/%s could not be processed", *key)
            finally:
                self._inflight.discard(key)
                self._queue.task_done()
                done = self._done.pop(key, None)
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
