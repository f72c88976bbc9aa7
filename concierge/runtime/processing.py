"""What a worker does with one inbox event, whichever queue carries it: run the graph for it, mark
it done, ignored or failed, retry transient trouble later with backoff, and hand a thread whose
step failed for good to a person."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from concierge.db.fencing import Superseded
from concierge.db.store import AppStore
from concierge.observability.logs import bound_contextvars
from concierge.observability.metrics import EVENTS, JOB_SECONDS, PROVIDER_ERRORS, part_of
from concierge.runtime.runner import NotWaiting, StaleEvent, ThreadRunner
from concierge.tools.alerts import Alert
from concierge.tools.failures import describe, is_transient

logger = logging.getLogger(__name__)

MAX_BACKOFF_S = 300
ALERT_AFTER_ATTEMPTS = 3  # a transient failure this persistent is worth a person's attention
RECOVERY = "_recovery"  # the source of a job that carries on an interrupted run (not an inbox event)

# Called after an event is kept pending for a retry at the given time (a queue may schedule a job).
RetryLater = Callable[[dict[str, Any], datetime], Awaitable[None]]


async def record(store: AppStore, source: str, event_id: str, kind: str, thread_id: str, payload: dict[str, Any]) -> bool:
    """Put an event in the inbox; False (and counted as a duplicate) when it was received before."""
    if not await store.record_event(source, event_id, kind, thread_id, payload):
        EVENTS.labels(source, "duplicate").inc()
        return False
    EVENTS.labels(source, "received").inc()
    return True


class EventProcessor:
    def __init__(self, runner: ThreadRunner, store: AppStore, *, backoff_s: float = 2.0,
                 retry_later: RetryLater | None = None) -> None:
        self.runner = runner
        self.store = store
        self.backoff_s = backoff_s
        self.retry_later = retry_later

    async def process(self, event: dict[str, Any]) -> None:
        """Run one event; the caller guarantees no other job of the same thread runs meanwhile."""
        started = time.perf_counter()
        with bound_contextvars(thread_id=event["thread_id"], event_id=f"{event['source']}:{event['event_id']}"):
            try:
                await self._process(event)
            except Superseded as exc:  # another worker took this job over: the event and the thread are its now
                logger.warning("event %s/%s: %s; this attempt stops", event["source"], event["event_id"], exc)
                EVENTS.labels(event["source"], "superseded").inc()
            finally:
                JOB_SECONDS.labels(event.get("kind", "event")).observe(time.perf_counter() - started)

    async def _process(self, event: dict[str, Any]) -> None:
        source, event_id, thread_id = event["source"], event["event_id"], event["thread_id"]
        recorded = source != RECOVERY
        if recorded:  # the inbox is the truth: another worker may have finished it since it was queued
            current = await self.store.event(source, event_id)
            if current is None or current["status"] != "pending":
                return
            event = current
        try:
            if event["kind"] == "ticket_assigned":
                await self.runner.start(thread_id, event["payload"].get("ticket"))
            elif event["kind"] == "carry_on":
                await self.runner.carry_on(thread_id)
            else:
                await self.runner.resume(thread_id, {**event["payload"], "event_id": f"{source}:{event_id}"})
        except Superseded:
            raise
        except StaleEvent as exc:  # kept on the thread's event list, changes nothing
            await self.store.finish_event(source, event_id, status="ignored", error=str(exc))
            EVENTS.labels(source, "ignored").inc()
            return
        except NotWaiting as exc:
            if recorded:
                await self.store.finish_event(source, event_id, error=f"NotWaiting: {exc}")
            if event["kind"] == "email_reply":  # every wait should keep a customer email; one that did not is not silent
                await self.alert(thread_id, f"{source}:{event_id}:email", f"Thread {thread_id}: a customer email was not taken",
                                 f"Kept as a failed event ({source}/{event_id}): {exc}")
            return
        except Exception as exc:
            await self._failed(event, exc)
            return
        if recorded:
            await self.store.finish_event(source, event_id)
        EVENTS.labels(source, "done").inc()

    async def _failed(self, event: dict[str, Any], exc: Exception) -> None:
        """Transient trouble (a provider or the LLM unreachable) is retried later with backoff, for
        as long as it lasts; anything else goes to a person with the error."""
        source, event_id, thread_id = event["source"], event["event_id"], event["thread_id"]
        error = describe(exc)
        attempts = event.get("attempts", 0) + 1
        recorded = source != RECOVERY
        transient = is_transient(exc)
        PROVIDER_ERRORS.labels(part_of(exc), str(transient).lower()).inc()
        EVENTS.labels(source, "retrying" if transient and recorded else "failed").inc()
        if transient and recorded:
            delay = min(self.backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
            logger.warning("event %s/%s: transient failure, retry %d in %ss: %s", source, event_id, attempts, delay, error)
            at = datetime.now(UTC) + timedelta(seconds=delay)
            await self.store.retry_event_later(source, event_id, at=at, error=error)
            if self.retry_later is not None:
                await self.retry_later(event, at)
            if attempts == ALERT_AFTER_ATTEMPTS:
                await self.alert(thread_id, f"{source}:{event_id}:retrying", f"Thread {thread_id} is waiting on a provider",
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
            await self.alert(thread_id, f"{source}:{event_id}:failed", f"Thread {thread_id} is stuck", error)

    async def alert(self, thread_id: str, key: str, title: str, text: str) -> None:
        await self.store.check_fence()  # a superseded attempt's view of the thread is stale: no alert from it
        alerts = self.runner.services.alerts
        try:
            await alerts.send(Alert(kind="escalation", thread_id=thread_id, title=title, text=text,
                                    idempotency_key=f"{thread_id}:{key}:alert"))
        except Exception:  # alerting is best effort here: the failure is already kept on the event
            logger.exception("could not alert the team about %s", thread_id)


async def sweep_forever(sweep: Callable[[], Awaitable[int]], interval_s: float) -> None:
    """Run a queue's sweep every `interval_s` for as long as the process works."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await sweep()
        except Exception:  # the database may be briefly busy or unreachable; the next sweep tries again
            logger.warning("sweep failed", exc_info=True)


async def cancel_all(tasks: list[asyncio.Task]) -> None:
    """Stop a queue's background tasks and wait until they have."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
