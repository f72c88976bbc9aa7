"""The thread API: list threads, show one, resume one that waits. Needs the admin token when set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, status
from fastapi.responses import JSONResponse

from concierge.actions.decisions import apply_decision
from concierge.schemas import THREAD_ID_PATTERN
from concierge.server.deps import AdminDep, RuntimeDep
from concierge.server.schemas import ResumeRequest, ThreadDetail, ThreadSummary
from concierge.server.views import thread_detail, thread_summary

router = APIRouter(prefix="/api/v1/threads", tags=["threads"], dependencies=[AdminDep])

ThreadIdPath = Annotated[str, Path(pattern=THREAD_ID_PATTERN, max_length=200, description="helpdesk:ticket_id, e.g. local:1001")]


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
async def get_thread(thread_id: ThreadIdPath, runtime: RuntimeDep) -> ThreadDetail:
    snapshot = await _snapshot_or_404(runtime, thread_id)
    return thread_detail(thread_id, snapshot, await runtime.services.store.events(thread_id))


@router.post("/{thread_id}/resume", response_model=ThreadDetail,
             responses={202: {"description": "Recorded, not applied yet"}, 409: {"description": "The thread does not wait for a decision (any more)"}})
async def resume_thread(
    thread_id: ThreadIdPath, body: ResumeRequest, runtime: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")] = None,
) -> ThreadDetail | JSONResponse:
    """Apply a human decision to a waiting thread and answer with the thread as it then stands.

    A decision answers the wait the operator saw: two decisions racing for one wait apply once,
    and the other gets 409. The same `Idempotency-Key` (or the same decision for the same wait)
    is applied once and answered the same way each time.
    """
    snapshot = await _snapshot_or_404(runtime, thread_id)
    if not await apply_decision(runtime, thread_id, body.decision(), snapshot=snapshot, idempotency_key=idempotency_key):
        return JSONResponse(status_code=status.HTTP_202_ACCEPTED, content={"detail": "the decision is recorded and not applied yet; check the thread later"})
    return thread_detail(thread_id, await runtime.runner.snapshot(thread_id), await runtime.services.store.events(thread_id))
