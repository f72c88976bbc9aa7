"""Human decisions, from the thread API and the console alike: recorded as an operator event for
the wait the person saw, applied by the queue, and awaited."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from concierge.server.runner import NotWaiting, current_wait
from concierge.server.runtime import AppRuntime

RESUME_WAIT_S = 120


def keyed_event(thread_id: str, idempotency_key: str) -> str:
    return f"key:{thread_id}:{idempotency_key}"


async def record_decision(runtime: AppRuntime, thread_id: str, decision: dict[str, Any], *,
                          answers: str | None = None, event_id: str | None = None) -> str:
    """Queue `decision` ({action, note, by, ...}) for the thread's current wait; its event id.

    `answers` is the id of the wait the person saw: when the thread waits for something else now
    (another person decided first), nothing is recorded. The same decision for the same wait gets
    the same event id, so it is applied once.
    """
    wait = current_wait(await runtime.runner.snapshot(thread_id))
    if wait is None:
        raise NotWaiting(f"thread {thread_id!r} cannot be resumed: it is not waiting for anything")
    if answers is not None and answers != wait.id:
        raise NotWaiting("the wait this decision answered has ended (someone else decided first)")
    payload = {"type": "human", **decision, "answers": wait.id}
    if event_id is None:
        digest = hashlib.sha256(json.dumps([wait.id, decision], sort_keys=True).encode()).hexdigest()[:32]
        event_id = f"decision:{digest}"
    await runtime.queue.enqueue("operator", event_id, "human", thread_id, payload)
    return event_id


async def await_decision(runtime: AppRuntime, event_id: str, timeout_s: float = RESUME_WAIT_S) -> dict[str, Any] | None:
    """The decision's event once applied (status done or failed); None when still pending."""
    return await runtime.queue.wait_for("operator", event_id, timeout_s)


def refused_as_conflict(event: dict[str, Any]) -> bool:
    """A decision that failed because the thread no longer waited for it (rather than an outside error)."""
    return (event.get("error") or "").startswith("NotWaiting")
