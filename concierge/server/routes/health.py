from __future__ import annotations

from fastapi import APIRouter

from concierge.server.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(runtime: RuntimeDep) -> dict:
    s = runtime.settings
    return {"status": "ok", "llm": s.llm_engine, "helpdesk": s.helpdesk, "email": s.email_backend, "voice": s.voice_provider}
