"""A person's decision on a waiting thread, queued the one way every place to decide uses (the
thread API, the console, Slack, the CLI through the API): checked against the wait it answers
before anything is recorded, queued in the checked form, then run by the workers like any other
event, and awaited. A decision the thread cannot take raises `Conflict`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langgraph.types import StateSnapshot

from concierge.actions.errors import Conflict, ProviderFailed
from concierge.graph.waits.decisions import InvalidDecision, decision_for
from concierge.runtime.process import AppRuntime
from concierge.runtime.runner import current_wait

SOURCE = "operator"
RESUME_WAIT_S = 120


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]


def _request_prefix(decision: dict[str, Any]) -> str:
    """The id of a decision given without a key starts with its request's digest, so a request
    sent again can be known as such after its first copy moved the thread on."""
    return f"decision:{_digest(decision)[:16]}:"


async def _repeats_last(runtime: AppRuntime, thread_id: str, decision: dict[str, Any]) -> bool:
    """True when `decision` is word for word the last one applied to the thread and nothing but
    timers happened since: the same request sent twice. (Its second copy would otherwise land on
    the wait the first one created, e.g. a reply twice sends two emails.)"""
    history = await runtime.services.store.events(thread_id)
    decided = [i for i, e in enumerate(history) if e["source"] == SOURCE]
    if not decided:
        return False
    last = history[decided[-1]]
    since = history[decided[-1] + 1:]
    return (last["status"] == "done" and last["event_id"].startswith(_request_prefix(decision))
            and all(e["source"] == "timer" for e in since))


async def queue_decision(runtime: AppRuntime, thread_id: str, snapshot: StateSnapshot | None, decision: dict[str, Any],
                         event_id: str | None = None, *, answers: str | None = None) -> str:
    """Queue `decision` for the wait the thread is in; its event id. Raises `Conflict` (nothing
    recorded) when the thread waits for nothing, waits for something else than the wait the person
    saw (`answers`: another person decided first), or this wait does not take the decision.

    Without an `event_id`, the same decision for the same wait gets the same id, so it applies once."""
    wait = current_wait(snapshot)
    if wait is None:
        raise Conflict(f"thread {thread_id!r} cannot be resumed: it is not waiting for anything")
    if answers is not None and answers != wait.id:
        raise Conflict("the wait this decision answered has ended (someone else decided first)")
    info = wait.value or {}
    try:
        checked = decision_for(info, decision)
    except InvalidDecision as exc:
        raise Conflict(f"while it waits for {info.get('waiting_for')}: {exc}") from None
    if event_id is None:
        event_id = f"{_request_prefix(decision)}{_digest([wait.id, checked])}"
    await runtime.queue.enqueue(SOURCE, event_id, "human", thread_id, {"type": "human", **checked, "answers": wait.id})
    return event_id


async def apply_decision(runtime: AppRuntime, thread_id: str, decision: dict[str, Any], *, snapshot: StateSnapshot | None = None,
                         answers: str | None = None, idempotency_key: str | None = None, wait_s: float = RESUME_WAIT_S) -> bool:
    """Queue `decision` and wait until the workers have applied it: True once applied, False while it
    is still pending after `wait_s`. The same `idempotency_key` is queued once and answered the same
    way each time; without a key, a decision that repeats the last one applied, with nothing else
    in between, is that one again. Raises `Conflict` when the thread cannot take it (before anything is recorded, or
    when it is applied: someone else decided first), `ProviderFailed` when applying it failed."""
    event_id = f"key:{thread_id}:{idempotency_key}" if idempotency_key else None
    if event_id is None and await _repeats_last(runtime, thread_id, decision):
        return True
    if event_id is None or await runtime.services.store.event(SOURCE, event_id) is None:  # a repeated key: as the first time
        snapshot = snapshot or await runtime.runner.snapshot(thread_id)
        event_id = await queue_decision(runtime, thread_id, snapshot, decision, event_id, answers=answers)
    event = await runtime.queue.wait_for(SOURCE, event_id, wait_s)
    if event is None:
        return False
    if event["status"] == "failed":
        refused = (event.get("error") or "").startswith("NotWaiting")  # the thread no longer waited for it
        raise (Conflict if refused else ProviderFailed)(f"the decision was not applied: {event['error']}")
    return True
