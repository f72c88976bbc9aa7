"""A person's decision on a waiting thread, queued the one way every place to decide uses (the
thread API, the console, Slack): checked against the wait it answers before anything is recorded,
then run by the workers like any other event, and awaited."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langgraph.types import StateSnapshot

from concierge.server.runner import NotWaiting, current_wait
from concierge.server.runtime import AppRuntime

SOURCE = "operator"
RESUME_WAIT_S = 120


def keyed_event(thread_id: str, idempotency_key: str) -> str:
    return f"key:{thread_id}:{idempotency_key}"


async def queue_decision(runtime: AppRuntime, thread_id: str, snapshot: StateSnapshot | None, decision: dict[str, Any],
                         event_id: str | None = None, *, answers: str | None = None) -> str:
    """Queue `decision` for the wait the thread is in; its event id. Raises `NotWaiting` (nothing recorded)
    when the thread waits for nothing, waits for something else than the wait the person saw
    (`answers`: another person decided first), or this wait does not take the decision.

    Without an `event_id`, the same decision for the same wait gets the same id, so it applies once."""
    wait = current_wait(snapshot)
    if wait is None:
        raise NotWaiting(f"thread {thread_id!r} cannot be resumed: it is not waiting for anything")
    if answers is not None and answers != wait.id:
        raise NotWaiting("the wait this decision answered has ended (someone else decided first)")
    payload = {"type": "human", **decision, "answers": wait.id}
    runtime.runner.check_resumable(snapshot, payload)
    if event_id is None:
        digest = hashlib.sha256(json.dumps([wait.id, decision], sort_keys=True).encode()).hexdigest()[:32]
        event_id = f"decision:{digest}"
    await runtime.queue.enqueue(SOURCE, event_id, "human", thread_id, payload)
    return event_id


async def record_decision(runtime: AppRuntime, thread_id: str, decision: dict[str, Any], *,
                          answers: str | None = None, event_id: str | None = None) -> str:
    """`queue_decision` on the thread as it stands now."""
    snapshot = await runtime.runner.snapshot(thread_id)
    return await queue_decision(runtime, thread_id, snapshot, decision, event_id, answers=answers)


async def await_decision(runtime: AppRuntime, event_id: str, timeout_s: float = RESUME_WAIT_S) -> dict[str, Any] | None:
    """The decision's event once applied (status done or failed); None when still pending."""
    return await runtime.queue.wait_for(SOURCE, event_id, timeout_s)


def refused_as_conflict(event: dict[str, Any]) -> bool:
    """A decision that failed because the thread no longer waited for it (rather than an outside error)."""
    return (event.get("error") or "").startswith("NotWaiting")
