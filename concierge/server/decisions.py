"""A person's decision on a waiting thread, queued the one way every place to decide uses (the
thread API, Slack): checked against the wait it answers before anything is recorded, then run by
the workers like any other event."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langgraph.types import StateSnapshot

from concierge.server.runner import NotWaiting, current_wait
from concierge.server.runtime import AppRuntime

SOURCE = "operator"


async def queue_decision(runtime: AppRuntime, thread_id: str, snapshot: StateSnapshot | None, decision: dict[str, Any],
                         event_id: str | None = None) -> str:
    """Queue `decision` for the wait the thread is in; its event id. Raises `NotWaiting` (nothing recorded)
    when the thread waits for nothing or this wait does not take the decision.

    Without an `event_id`, the same decision for the same wait gets the same id, so it applies once."""
    wait = current_wait(snapshot)
    if wait is None:
        raise NotWaiting(f"thread {thread_id!r} cannot be resumed: it is not waiting for anything")
    payload = {"type": "human", **decision, "answers": wait.id}
    runtime.runner.check_resumable(snapshot, payload)
    if event_id is None:
        digest = hashlib.sha256(json.dumps([wait.id, decision], sort_keys=True).encode()).hexdigest()[:32]
        event_id = f"decision:{digest}"
    await runtime.queue.enqueue(SOURCE, event_id, "human", thread_id, payload)
    return event_id
