"""Threads that stopped moving, reported to the team once each.

Stuck means one of:
- a pending event (a webhook or a timer) due for longer than STUCK_AFTER: nobody processed it;
- a run in progress for longer than STUCK_AFTER (a step that hangs);
- a thread whose last run stopped neither waiting nor done, and that nothing moved on since.

A thread waiting for the customer's reply, a call report or a person is not stuck: that wait is
legitimate however long it lasts (its reminders and timeouts are timers, covered by the first
rule). Reading the inbox's pending events and the store's thread list is cheap; no checkpoint is read.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from concierge.db.ledger import EffectInDoubt
from concierge.observability.metrics import STUCK_ALERTS
from concierge.runtime.process import AppRuntime
from concierge.tools.alerts import Alert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stuck:
    thread_id: str
    reason: str  # event, running, unfinished
    key: str  # one alert per key
    text: str


def _age(since: datetime, now: datetime) -> str:
    hours = (now - since).total_seconds() / 3600
    return f"{hours:.1f} h" if hours >= 1 else f"{hours * 60:.0f} min"


async def find_stuck(runtime: AppRuntime, now: datetime | None = None) -> list[Stuck]:
    now = now or datetime.now(UTC)
    limit = now - timedelta(seconds=runtime.settings.stuck_after_s)
    found = []
    for event in await runtime.services.store.pending_events(due_by=limit):
        due = datetime.fromisoformat(event["not_before"] or event["received_at"])
        if due <= limit:
            tried = f" after {event['attempts']} attempts (last error: {event['error']})" if event.get("attempts") else ""
            found.append(Stuck(event["thread_id"], "event", f"event:{event['source']}:{event['event_id']}",
                               f"The {event['kind']} event {event['source']}:{event['event_id']} has been due for "
                               f"{_age(due, now)} and is still not processed{tried}."))
    # A run marks its thread running until it ends: one still marked after STUCK_AFTER hangs, or
    # broke off and nothing carried it on. A new run later gets a new key (its start time).
    for thread in await runtime.services.store.threads_by_status("running", updated_before=limit):
        since = datetime.fromisoformat(thread["updated_at"])
        found.append(Stuck(thread["thread_id"], "running", f"running:{thread['updated_at']}",
                           f"A run of this thread (stage {thread['stage'] or 'new'}) started {_age(since, now)} ago and has "
                           "neither finished nor reached a wait since."))
    return found


async def alert_stuck(runtime: AppRuntime, now: datetime | None = None) -> list[Stuck]:
    """Alert the team about every stuck thread not alerted before; the ones alerted now."""
    services = runtime.services
    alerted = []
    for stuck in await find_stuck(runtime, now):
        alert = Alert(kind="escalation", thread_id=stuck.thread_id, title=f"Thread {stuck.thread_id} is stuck",
                      text=stuck.text, idempotency_key=f"{stuck.thread_id}:stuck:{stuck.key}:alert")

        async def send(_intent: dict, alert: Alert = alert) -> dict:
            await services.alerts.send(alert)
            return {"alerted": alert.idempotency_key}

        try:
            _, sent = await services.store.once(alert.idempotency_key, stuck.thread_id, send,
                                                retry_safe=getattr(services.alerts, "retry_safe", False))
        except EffectInDoubt:  # an earlier attempt may have reached the team: not repeated blindly
            continue
        if sent:
            STUCK_ALERTS.labels(stuck.reason).inc()
            logger.warning("thread %s is stuck: %s", stuck.thread_id, stuck.text)
            alerted.append(stuck)
    return alerted


async def watch_stuck(runtime: AppRuntime) -> None:
    """Check every few minutes (a quarter of STUCK_AFTER, at most 5 minutes) while the server runs."""
    interval = min(max(runtime.settings.stuck_after_s / 4, 1.0), 300.0)
    while True:
        await asyncio.sleep(interval)
        try:
            await alert_stuck(runtime)
        except Exception:  # the store briefly busy, an alert destination down: the next round tries again
            logger.warning("checking for stuck threads failed", exc_info=True)
