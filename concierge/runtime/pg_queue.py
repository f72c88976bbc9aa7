"""The job queue on PostgreSQL (procrastinate): any number of worker processes on any number of
machines, one job at a time per thread (procrastinate `lock` = thread id).

The inbox (`events`) stays the truth: an event is recorded, then a job carrying its key is deferred
(`queueing_lock` = the event's key, so at most one waits per event). Each worker also sweeps: an
event that is due and has no job (a crash between record and defer, a timer that fell due, a
transient failure's retry) gets one, and jobs of a worker that stopped sending heartbeats (killed)
are retried. Timers and retries become jobs only when due: a waiting job with a thread's lock would
hold back every later job of that thread until then. Each job's writes are fenced
(`concierge.db.fencing`): a worker that only looked dead cannot write once its job is taken over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job, Status
from sqlalchemy import text

from concierge.db.fencing import fenced
from concierge.db.store import AppStore
from concierge.db.urls import libpq_url
from concierge.runtime.processing import RECOVERY, EventProcessor, cancel_all, record, sweep_forever
from concierge.runtime.runner import ThreadRunner

logger = logging.getLogger(__name__)

TASK = "concierge.process_event"

_DUE_WITHOUT_JOB = text("""
    SELECT e.source, e.event_id, e.thread_id FROM events e
     WHERE e.status = 'pending' AND (e.not_before IS NULL OR e.not_before <= :now)
       AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j
                        WHERE j.queueing_lock = e.source || ':' || e.event_id AND j.status IN ('todo', 'doing'))
     ORDER BY COALESCE(e.not_before, e.received_at), e.received_at
     LIMIT :limit
""")
_UNFINISHED_JOBS = text("""
    SELECT count(*) FROM procrastinate_jobs
     WHERE task_name = :task AND (status = 'doing' OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))
""")


class PostgresQueue:
    """Same interface as the in-process `JobQueue`; `workers` = jobs run at once in this process
    (0: this process only records and defers, e.g. a web process beside `concierge worker`s)."""

    def __init__(self, runner: ThreadRunner, store: AppStore, *, database_url: str, workers: int = 0,
                 pooler: str = "none", pool_size: int = 10, poll_interval_s: float = 1.0, backoff_s: float = 2.0,
                 stalled_after_s: float = 30.0) -> None:
        self.runner = runner
        self.store = store
        self.workers = workers
        self.poll_interval_s = poll_interval_s
        self.stalled_after_s = stalled_after_s
        self.listen_notify = pooler != "transaction"  # LISTEN needs a session, which a transaction pooler does not keep
        kwargs = {"prepare_threshold": None} if pooler == "transaction" else {}
        self.app = App(connector=PsycopgConnector(conninfo=libpq_url(database_url), min_size=1, max_size=pool_size, kwargs=kwargs))
        self.task = self.app.task(name=TASK, queue="events", pass_context=True)(self._job)
        self.processor = EventProcessor(runner, store, backoff_s=backoff_s)
        self._tasks: list[asyncio.Task] = []

    @property
    def mode(self) -> str:
        return "all" if self.workers else "none"

    @property
    def processing(self) -> bool:
        return self.workers > 0

    def problem(self) -> str | None:
        """Why this queue cannot take events now (for /readyz), or None. A web process without
        workers is ready: it records and queues, the workers process."""
        stopped = [t.get_name() for t in self._tasks if t.done()]
        return f"workers not running: {', '.join(stopped)}" if stopped else None

    async def start(self) -> int:
        await self.app.open_async()
        if not self.processing:
            return 0
        backlog = 0
        for thread in await self.store.threads_by_status("running"):  # runs that stopped between steps
            backlog += await self._defer(RECOVERY, thread["thread_id"], thread["thread_id"])
        backlog += await self.sweep()
        name = f"{socket.gethostname()}:{os.getpid()}"
        self._tasks = [
            asyncio.create_task(self.app.run_worker_async(
                name=name, concurrency=self.workers, install_signal_handlers=False, listen_notify=self.listen_notify,
                fetch_job_polling_interval=self.poll_interval_s, update_heartbeat_interval=self.stalled_after_s / 3,
                stalled_worker_timeout=self.stalled_after_s, shutdown_graceful_timeout=10,
                # The inbox keeps each event's outcome; finished jobs would only grow the table the sweep reads.
                delete_jobs="successful",
            ), name="concierge-worker"),
            asyncio.create_task(sweep_forever(self.sweep, self.poll_interval_s), name="concierge-sweeper"),
        ]
        return backlog

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks = []
        await self.app.close_async()

    async def enqueue(self, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> bool:
        """Record the event, then defer its job; False when it was received before. A crash between
        the two leaves a recorded event without a job, which the next sweep queues."""
        if not await record(self.store, source, event_id, kind, thread_id, payload):
            return False
        await self._defer(source, event_id, thread_id)
        return True

    async def _defer(self, source: str, event_id: str, thread_id: str) -> int:
        try:
            await self.task.configure(lock=thread_id, queueing_lock=f"{source}:{event_id}").defer_async(
                source=source, event_id=event_id, thread_id=thread_id)
        except AlreadyEnqueued:
            return 0
        return 1

    async def _job(self, context: JobContext, source: str, event_id: str, thread_id: str) -> None:
        event = {"source": source, "event_id": event_id, "thread_id": thread_id, "kind": "carry_on"}
        # This attempt writes checkpoints and effects only while the job is still its own: a worker
        # that stalled past WORKER_STALLED_AFTER_S finds its job taken over and stops.
        assert context.job.id is not None  # a fetched job is a row
        with fenced(context.job.id, context.job.attempts):
            await self.processor.process(event)

    async def sweep(self) -> int:
        """Give a job to every due event that has none; retry the jobs of stopped workers."""
        async with self.store.engine.connect() as conn:
            due = (await conn.execute(_DUE_WITHOUT_JOB, {"now": datetime.now(UTC).isoformat(timespec="milliseconds"), "limit": 500})).all()
        queued = 0
        for source, event_id, thread_id in due:
            queued += await self._defer(source, event_id, thread_id)
        for job in await self.app.job_manager.get_stalled_jobs(task_name=TASK, seconds_since_heartbeat=self.stalled_after_s):
            await self._take_over(job)
        return queued

    async def _take_over(self, job: Job) -> None:
        """Retry the job of a stopped worker. When the same work already waits in another job (a
        restarted worker queued a carry-on for the thread it was running), retrying clashes with
        that job's queueing lock; the stopped one is dropped instead, since left `doing` it would
        hold its thread's lock, and every later job of the thread, for ever."""
        manager = self.app.job_manager
        assert job.id is not None  # a stalled job is a row
        try:
            await manager.retry_job(job)
            logger.warning("job %s of a stopped worker (%s) is retried", job.id, job.task_kwargs)
        except UniqueViolation:
            try:
                await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=True)
                logger.warning("job %s of a stopped worker (%s) is dropped: the same job waits", job.id, job.task_kwargs)
            except Exception:  # another worker's sweep dropped it first
                logger.debug("stalled job %s was already taken over", job.id)
        except Exception:  # another worker's sweep retried it first
            logger.debug("stalled job %s was already taken over", job.id)


    async def wait_for(self, source: str, event_id: str, timeout_s: float) -> dict[str, Any] | None:
        """The event once it is no longer pending, or None after `timeout_s` (any process may run it)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            event = await self.store.event(source, event_id)
            if event is None or event["status"] != "pending" or asyncio.get_running_loop().time() >= deadline:
                return None if event is not None and event["status"] == "pending" else event
            await asyncio.sleep(min(0.1, self.poll_interval_s))

    async def join(self) -> None:
        """Wait until no due event is pending and no job is queued or running (tests, the demo)."""
        while True:
            async with self.store.engine.connect() as conn:
                jobs = (await conn.execute(_UNFINISHED_JOBS, {"task": TASK})).scalar_one()
            if not jobs and not await self.store.pending_events(due_by=datetime.now(UTC), limit=1):
                return
            await asyncio.sleep(0.05)
