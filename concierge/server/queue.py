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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from concierge.server.failures import describe, is_transient
from concierge.server.runner import NotWaiting, StaleEvent, ThreadRunner, is_unfinished
from concierge.store import AppStore
from concierge.tools.alerts import Alert

logger = logging.getLogger(__name__)

Mode = Literal["all", "own", "none"]
MAX_BACKOFF_S = 300
ALERT_AFTER_ATTEMPTS = 3  # a transient failure this persistent is worth a person's attention


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
        self.backoff_s = backoff_s
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
        for thread_id in await self.store.thread_ids():
            if is_unfinished(await self.runner.snapshot(thread_id)):
                self._put({"source": "_recovery", "event_id": thread_id, "kind": "carry_on", "thread_id": thread_id})
                backlog += 1
        backlog += await self.sweep()
        self._tasks.append(asyncio.create_task(self._sweep_forever(), name="concierge-sweeper"))
        return backlog

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def sweep(self) -> int:
        """Queue every due pending event that no worker holds yet."""
        due = [e for e in await self.store.pending_events(due_by=datetime.now(UTC)) if (e["source"], e["event_id"]) not in self._inflight]
        for event in due:
            self._put(event)
        return len(due)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval_s)
            try:
                await self.sweep()
            except Exception:  # the store may be briefly busy; the next sweep tries again
                logger.warning("sweep failed", exc_info=True)

    def _put(self, event: dict[str, Any]) -> None:
        key = (event["source"], event["event_id"])
        self._inflight.add(key)
        self._queue.put_nowait(event)

    async def enqueue(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> bool:
        """Record the event and, when this process works, queue it; False when it was received before."""
        if not await self.store.record_event(source, event_id, kind, thread_id, payload):
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
                    await self._process(event)
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

    async def _process(self, event: dict[str, Any]) -> None:
        source, event_id, thread_id = event["source"], event["event_id"], event["thread_id"]
        recorded = source != "_recovery"
        if recorded:  # the inbox is the truth: another worker may have finished it since it was queued
            current = await self.store.event(source, event_id)
            if current is None or current["status"] != "pending":
                return
            event = current
        try:
            if event["kind"] == "ticket_assigned":
                await self.runner.start(thread_id, event["payload"]["ticket_id"])
            elif event["kind"] == "carry_on":
                await self.runner.carry_on(thread_id)
            else:
                await self.runner.resume(thread_id, {**event["payload"], "event_id": f"{source}:{event_id}"})
        except StaleEvent as exc:  # kept on the thread's event list, changes nothing
            await self.store.finish_event(source, event_id, status="ignored", error=str(exc))
            return
        except NotWaiting as exc:
            if recorded:
                await self.store.finish_event(source, event_id, error=f"NotWaiting: {exc}")
            if event["kind"] == "email_reply":  # every wait should keep a customer email; one that did not is not silent
                await self._alert(thread_id, f"{source}:{event_id}:email", f"Thread {thread_id}: a customer email was not taken",
                                  f"Kept as a failed event ({source}/{event_id}): {exc}")
            return
        except Exception as exc:
            await self._failed(event, exc)
            return
        if recorded:
            await self.store.finish_event(source, event_id)

    async def _failed(self, event: dict[str, Any], exc: Exception) -> None:
        """Transient trouble (a provider or the LLM unreachable) is retried later with backoff, for
        as long as it lasts; anything else goes to a person with the error."""
        source, event_id, thread_id = event["source"], event["event_id"], event["thread_id"]
        error = describe(exc)
        attempts = event.get("attempts", 0) + 1
        recorded = source != "_recovery"
        if is_transient(exc) and recorded:
            delay = min(self.backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
            logger.warning("event %s/%s: transient failure, retry %d in %ss: %s", source, event_id, attempts, delay, error)
            await self.store.retry_event_later(source, event_id, at=datetime.now(UTC) + timedelta(seconds=delay), error=error)
            if attempts == ALERT_AFTER_ATTEMPTS:
                await self._alert(thread_id, f"{source}:{event_id}:retrying", f"Thread {thread_id} is waiting on a provider",
                                  f"Retrying after {attempts} failures: {error}")
            return
        logger.error("event %s/%s failed: %s", source, event_id, error, exc_info=exc)
        if recorded:
            await self.store.finish_event(source, event_id, error=error)
        try:
            handed = await self.runner.hand_to_person(thread_id, error)
        except Exception as handover_exc:
            logger.exception("thread %s could not be handed to a person", thread_id)
            handed, error = False, f"{error}; handing it to a person failed too: {describe(handover_exc)}"
        if not handed:
            await self._alert(thread_id, f"{source}:{event_id}:failed", f"Thread {thread_id} is stuck", error)

    async def _alert(self, thread_id: str, key: str, title: str, text: str) -> None:
        alerts = self.runner.services.alerts
        try:
            await alerts.send(Alert(kind="escalation", thread_id=thread_id, title=title, text=text,
                                    idempotency_key=f"{thread_id}:{key}:alert"))
        except Exception:  # alerting is best effort here: the failure is already kept on the event
            logger.exception("could not alert the team about %s", thread_id)
