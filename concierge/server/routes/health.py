"""Liveness (`/healthz`), readiness (`/readyz`: database, queue and knowledge base reachable) and
Prometheus metrics (`/metrics`)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from langgraph.checkpoint.base import BaseCheckpointSaver

from concierge.observability.metrics import render, thread_gauge
from concierge.runtime.process import AppRuntime
from concierge.server.deps import AdminDep, RuntimeDep

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz(runtime: RuntimeDep) -> dict:
    s = runtime.settings
    return {"status": "ok", "llm": s.llm_engine, "helpdesk": s.helpdesk, "email": s.email_backend, "voice": s.voice_provider}


async def _database(runtime: AppRuntime) -> None:
    await runtime.services.store.has_thread("readyz:probe")
    saver = runtime.graph.checkpointer
    assert isinstance(saver, BaseCheckpointSaver)  # open_runtime compiles the graph with its saver
    await saver.aget_tuple({"configurable": {"thread_id": "readyz:probe", "checkpoint_ns": ""}})


async def _queue(runtime: AppRuntime) -> None:
    if (problem := runtime.queue.problem()) is not None:
        raise RuntimeError(problem)


async def _knowledge_base(runtime: AppRuntime) -> None:
    kb = runtime.services.kb
    if kb.held:
        raise RuntimeError("still ingesting the inventory")
    if await asyncio.to_thread(kb.count) == 0:
        raise RuntimeError("the collection is empty")


CHECKS = {"database": _database, "queue": _queue, "knowledge_base": _knowledge_base}


async def _check(runtime: AppRuntime, check) -> str:
    try:
        await asyncio.wait_for(check(runtime), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT_S:.0f} s"
    except Exception as exc:  # the reason is the answer
        return f"{type(exc).__name__}: {exc}" if not isinstance(exc, RuntimeError) else str(exc)
    return "ok"


@router.get("/readyz", responses={503: {"description": "a part is not reachable; `failed` names it"}})
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    results = await asyncio.gather(*(_check(runtime, check) for check in CHECKS.values()))
    checks = dict(zip(CHECKS, results, strict=True))
    failed = [name for name, result in checks.items() if result != "ok"]
    return JSONResponse({"status": "not ready" if failed else "ready", "failed": failed, "checks": checks},
                        status_code=503 if failed else 200)


@router.get("/metrics", dependencies=[AdminDep], response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
async def metrics(runtime: RuntimeDep) -> Response:
    body, content_type = render(thread_gauge(await runtime.services.store.thread_counts()))
    return Response(body, media_type=content_type)
