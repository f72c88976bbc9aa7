"""The FastAPI application."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from concierge.server.routes import health, threads, webhooks
from concierge.server.runtime import AppRuntime, open_runtime
from concierge.settings import Settings, get_settings


def _reason(error: dict) -> str:
    if error["type"] == "json_invalid":
        return f"body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
    field = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
    return f"{field}: {error['msg']}"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with the reason in words as well as the field list."""
    reasons = [_reason(e) for e in exc.errors()]
    # The offending input is not echoed back: it may be bytes that are not text, or personal data.
    errors = [{k: v for k, v in e.items() if k not in ("input", "ctx")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": "; ".join(reasons), "errors": jsonable_encoder(errors)})


def create_app(runtime: AppRuntime | None = None, settings: Settings | None = None, workers: int | None = None) -> FastAPI:
    """With `runtime`, serve that already-open runtime; otherwise open one for the app's lifetime,
    running `workers` jobs at once (default: 2 on SQLite, none on PostgreSQL where workers run them)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        config = settings or get_settings()
        if workers is None:
            jobs = 0 if config.database else 2
        else:
            jobs = workers
        async with open_runtime(config, workers=jobs, mode="all" if jobs or config.database else "none") as opened:
            app.state.runtime = opened
            interval = opened.settings.helpdesk_poll_interval_s
            poller = None
            if interval and opened.services.helpdesk.name != "local":
                from concierge.server.assignments import poll_forever

                poller = asyncio.create_task(poll_forever(opened, interval), name="helpdesk-poll")
            try:
                yield
            finally:
                if poller is not None:
                    poller.cancel()

    app = FastAPI(title="Concierge", version="0.1.0", lifespan=lifespan)
    if runtime is not None:
        app.state.runtime = runtime  # usable without running the lifespan (in-process clients)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for module in (health, webhooks, threads):
        app.include_router(module.router)
    return app
