"""A person's decision as every place to decide queues it: checked against the wait it answers before
anything is recorded, queued in that checked form, and a decision that fails when applied said so
as a domain error (the thread API's 409 or 502)."""

from __future__ import annotations

import pytest

from concierge.actions.decisions import SOURCE, apply_decision, queue_decision
from concierge.actions.errors import Conflict
from tests.server import THREADS, assign, world


async def test_a_decision_is_queued_in_the_form_its_wait_takes(client, runtime):
    await assign(client, runtime, "1003")  # a complaint: waits for a person
    snapshot = await runtime.runner.snapshot("local:1003")
    hitl = {"decisions": [{"type": "reject", "message": "I'll call him"}], "by": "ana"}
    event_id = await queue_decision(runtime, "local:1003", snapshot, hitl)
    await runtime.queue.join()

    event = await runtime.services.store.event(SOURCE, event_id)
    assert event["status"] == "done"
    assert event["payload"] == {"type": "human", "action": "handoff", "note": "I'll call him", "by": "ana",
                                "answers": snapshot.interrupts[0].id}
    assert (await runtime.runner.snapshot("local:1003")).values["human_decision"]["action"] == "handoff"


async def test_a_decision_the_wait_does_not_take_is_refused_and_records_nothing(client, runtime):
    await assign(client, runtime, "1003")
    before = await world(client, runtime, "local:1003", "1003")
    with pytest.raises(Conflict, match="close, handoff, reply"):
        await apply_decision(runtime, "local:1003", {"action": "approve", "by": "ana"})
    assert await world(client, runtime, "local:1003", "1003") == before


async def test_a_decision_that_fails_when_applied_is_a_conflict_the_api_answers_409(client, runtime):
    """Another decision took the wait first: the queued one fails when the worker applies it."""
    await assign(client, runtime, "1003")
    key = "decided-twice"
    stale = {"type": "human", "action": "handoff", "note": "", "by": "ana", "answers": "a-wait-that-ended"}
    assert await runtime.queue.enqueue(SOURCE, f"key:local:1003:{key}", "human", "local:1003", stale)
    await runtime.queue.join()

    with pytest.raises(Conflict, match="not applied: NotWaiting"):
        await apply_decision(runtime, "local:1003", {"action": "handoff", "by": "ana"}, idempotency_key=key)
    r = await client.post(f"{THREADS}/local:1003/resume", json={"action": "handoff", "by": "ana"}, headers={"Idempotency-Key": key})
    assert r.status_code == 409 and "the wait this decision answered has ended" in r.json()["detail"]
    assert (await runtime.runner.snapshot("local:1003")).values["stage"] == "awaiting_human"  # nothing applied
