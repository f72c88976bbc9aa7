"""The thread API: list threads, show one, resume one that waits. Needs the admin token when set."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, HTTPException, status

from concierge.server.deps import AdminDep, RuntimeDep
from concierge.server.runner import NotWaiting
from concierge.server.schemas import ResumeRequest, ThreadDetail, ThreadSummary
from concierge.server.views import thread_detail, thread_summary

router = APIRouter(prefix="/api/v1/threads", tags=["threads"], dependencies=[AdminDep])

RESUME_WAIT_S = 120


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
async def get_thread(thread_id: str, runtime: RuntimeDep) -> ThreadDetail:
    snapshot = await _snapshot_or_404(runtime, thread_id)
    return thread_detail(thread_id, snapshot, await runtime.services.store.events(thread_id))


@router.post("/{thread_id}/resume")
async def resume_thread(thread_id: str, body: ResumeRequest, runtime: RuntimeDep) -> ThreadDetail:
    """Apply a human decision to a waiting thread and answer with the thread as it then stands."""
    snapshot = await _snapshot_or_404(runtime, thread_id)
    try:
        runtime.runner.check_resumable(snapshot, "human")
    except NotWaiting as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"thread {thread_id!r} cannot be resumed: {exc}") from exc
    payload = {"type": "human", **body.model_dump()}
    done = await runtime.queue.enqueue("operator", uuid.uuid4().hex, "human", thread_id, payload)
    await asyncio.wait_for(done.wait(), RESUME_WAIT_S)
    return thread_detail(thread_id, await runtime.runner.snapshot(thread_id), await runtime.services.store.events(thread_id))
