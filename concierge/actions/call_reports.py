"""Taking a voice provider's end-of-call report (Vapi, Bland, the generic `call_completed` route, the
call simulator) for the thread that placed the call."""

from __future__ import annotations

import logging

from concierge.actions.errors import NotFound
from concierge.actions.results import Accepted, Superseded
from concierge.runtime.process import AppRuntime
from concierge.schemas import CallReport

logger = logging.getLogger(__name__)


async def queue_call_report(runtime: AppRuntime, report: CallReport) -> Accepted:
    """Queue an end-of-call report for the thread that placed the call. A report for an older call
    than the thread's latest is recorded as received and changes nothing."""
    store = runtime.services.store
    thread_id = await store.thread_for(f"call:{report.call_id}")
    if thread_id is None:
        raise NotFound(f"no thread placed call {report.call_id}")
    event_id = f"call:{report.call_id}"
    payload = {"type": "call_report", **report.model_dump()}
    snapshot = await runtime.runner.snapshot(thread_id)
    calls = (snapshot.values.get("calls") if snapshot else None) or []
    if calls and calls[-1].get("call_id") != report.call_id:
        fresh = await store.record_event(report.provider, event_id, "stale_call_report", thread_id, payload)
        if fresh:
            await store.finish_event(report.provider, event_id)
        logger.info("call report for %s arrived after a later call on %s; recorded only", report.call_id, thread_id)
        return Superseded(thread_id=thread_id, event_id=event_id, duplicate=not fresh)
    queued = await runtime.queue.enqueue(report.provider, event_id, "call_report", thread_id, payload)
    return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)
