"""The FastAPI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from concierge.actions.errors import ActionError
from concierge.observability.gc import collect_less_often, keep_for_good, watch_gc
from concierge.runtime.process import AppRuntime, open_runtime
from concierge.runtime.queue import Mode
from concierge.runtime.stuck import watch_stuck
from concierge.server.deps import status_of
from concierge.server.routes import health, threads, webhooks
from concierge.server.verify import build_verifiers
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


async def _action_error(request: Request, exc: ActionError) -> JSONResponse:
    """What a use case refused (an unknown ticket, a decision the thread does not wait for), with its reason."""
    return JSONResponse(status_code=status_of(exc), content={"detail": str(exc)})


@asynccontextmanager
async def serving(runtime: AppRuntime) -> AsyncIterator[None]:
    """What a server runs beside the requests: helpdesk polling, the stuck-thread watch."""
    background = []
    interval = runtime.settings.helpdesk_poll_interval_s
    if interval and runtime.services.helpdesk.name != "local":
        from concierge.actions.assignments import poll_forever

        background.append(asyncio.create_task(poll_forever(runtime, interval), name="helpdesk-poll"))
    if runtime.settings.stuck_after_s and runtime.queue.mode == "all":
        background.append(asyncio.create_task(watch_stuck(runtime), name="stuck-watch"))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)


def create_app(runtime: AppRuntime | None = None, settings: Settings | None = None, workers: int | None = None) -> FastAPI:
    """With `runtime`, serve that already-open runtime; otherwise open one for the app's lifetime,
    running `workers` jobs at once (default: QUEUE_CONCURRENCY on SQLite; none on PostgreSQL, where
    `concierge worker` processes run them)."""

    config = runtime.settings if runtime is not None else settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if runtime is not None:
            app.state.runtime = runtime
            yield
            return
        jobs = workers if workers is not None else 0 if config.database else None
        mode: Mode = "none" if jobs == 0 and not config.database else "all"
        async with open_runtime(config, ingest_kb="background", workers=jobs, mode=mode) as opened, serving(opened):
            app.state.runtime = opened
            keep_for_good()  # what start-up loaded lives as long as the process (see concierge.observability.gc)
            collect_less_often()
            watch_gc()
            yield

    app = FastAPI(title="Concierge", version="0.1.0", lifespan=lifespan)
    app.state.verifiers = build_verifiers(config)  # what every webhook route authenticates with
    if runtime is not None:
        app.state.runtime = runtime  # usable without running the lifespan (in-process clients)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]  # Starlette types a handler as taking any Exception
    app.add_exception_handler(ActionError, _action_error)  # type: ignore[arg-type]  # Starlette types a handler as taking any Exception
    for module in (health, webhooks, threads):
        app.include_router(module.router)
    from concierge.console import install_console

    install_console(app, config)
    return app
