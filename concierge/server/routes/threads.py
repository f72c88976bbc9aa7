"""The thread API: list threads, show one, resume one that waits. Needs the admin token when set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, status
from fastapi.responses import JSONResponse

from concierge.server.deps import AdminDep, RuntimeDep
from concierge.schemas import THREAD_ID_PATTERN
from concierge.server.decisions import RESUME_WAIT_S, SOURCE, queue_decision
from concierge.server.runner import NotWaiting
from concierge.server.schemas import ResumeRequest, ThreadDetail, ThreadSummary
from concierge.server.views import thread_detail, thread_summary

router = APIRouter(prefix="/api/v1/threads", tags=["threads"], dependencies=[AdminDep])

ThreadId = Annotated[str, Path(pattern=THREAD_ID_PATTERN, max_length=200, description="helpdesk:ticket_id, e.g. local:1001")]


async def _snapshot_or_404(runtime, thread_id: str):
    snapshot = await runtime.runner.snapshot(thread_id)
    if snapshot is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown thread {thread_id!r}")
    return snapshot


@router.get("")
async def list_threads(runtime: RuntimeDep) -> list[ThreadSummary]:
    ids = await runtime.services.store.thread_ids()
    return [thread_summary(t, await runtime.runner.snapshot(t)) for t in ids]


@router.get("/{thread_id}")
async def get_thread(thread_id: ThreadId, runtime: RuntimeDep) -> ThreadDetail:
    snapshot = await _snapshot_or_404(runtime, thread_id)
    return thread_detail(thread_id, snapshot, await runtime.services.store.events(thread_id))


@router.post("/{thread_id}/resume", response_model=ThreadDetail,
             responses={202: {"description": "Recorded, not applied yet"}, 409: {"description": "The thread does not wait for a decision (any more)"}})
async def resume_thread(
    thread_id: ThreadId, body: ResumeRequest, runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")] = None,
) -> ThreadDetail | JSONResponse:
    """Apply a human decision to a waiting thread and answer with the thread as it then stands.

    A decision answers the wait the operator saw: two decisions racing for one wait apply once,
    and the other gets 409. The same `Idempotency-Key` (or the same decision for the same wait)
    is applied once and answered the same way each time.
    """
    snapshot = await _snapshot_or_404(runtime, thread_id)
    store = runtime.services.store
    keyed = f"key:{thread_id}:{idempotency_key}" if idempotency_key else None
    if keyed is None or await store.event(SOURCE, keyed) is None:  # a repeated key is answered as the first time
        try:  # a decision this wait does not take is refused before anything is recorded
            event_id = await queue_decision(runtime, thread_id, snapshot, body.decision(), keyed)
        except NotWaiting as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    else:
        event_id = keyed
    event = await runtime.queue.wait_for(SOURCE, event_id, RESUME_WAIT_S)
    if event is None:
        return JSONResponse(status_code=status.HTTP_202_ACCEPTED, content={"detail": "the decision is recorded and not applied yet; check the thread later"})
    if event["status"] == "failed":
        code = status.HTTP_409_CONFLICT if refused_as_conflict(event) else status.HTTP_502_BAD_GATEWAY
        raise HTTPException(code, f"the decision was not applied: {event['error']}")
    return thread_detail(thread_id, await runtime.runner.snapshot(thread_id), await runtime.services.store.events(thread_id))
