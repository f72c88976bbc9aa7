"""Everything a running Concierge process holds: services, the checkpointed graph, runner and queue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

from langgraph.graph.state import CompiledStateGraph
from rich.console import Console

from concierge.db.checkpoints import open_checkpointer
from concierge.graph.builder import TicketInput, build_graph
from concierge.graph.context import Context
from concierge.graph.state import TicketState
from concierge.runtime.pg_queue import PostgresQueue
from concierge.runtime.queue import JobQueue, Mode, ProcessingLock, ProcessingLocked
from concierge.runtime.runner import Progress, ThreadRunner
from concierge.services import Services, open_services
from concierge.settings import Settings
from concierge.tools.knowledge.warmup import ingest_in_background


@dataclass
class AppRuntime:
    settings: Settings
    services: Services
    graph: CompiledStateGraph[TicketState, Context, TicketInput, TicketState]
    runner: ThreadRunner
    queue: JobQueue | PostgresQueue


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, console: Console | None = None, on_progress: Progress | None = None,
    ingest_kb: bool | Literal["background"] = True, workers: int | None = None, mode: Mode = "all",
    load_models: bool = False, **overrides,
) -> AsyncIterator[AppRuntime]:
    """Open services, checkpointer and queue. `mode` says which events this process works on
    (see `JobQueue`). On SQLite, working processes hold the data folder's processing lock; on
    PostgreSQL any number may work, `workers` jobs at a time each (`all`), or none (`own`, `none`:
    record and queue only, a `concierge worker` runs them). An empty knowledge base is filled
    before returning, or with `ingest_kb="background"` while the runtime already serves.
    `workers` defaults to QUEUE_CONCURRENCY (SQLite) or WORKER_CONCURRENCY (PostgreSQL). With
    `load_models`, the models jobs use are loaded before the queue starts."""
    if settings.database:
        async with _open(settings, console, on_progress, ingest_kb, workers, mode, load_models, overrides) as runtime:
            yield runtime
        return
    lock = ProcessingLock(settings.data_dir / "processing.lock")
    if mode != "none":
        try:
            await asyncio.to_thread(lock.acquire)
        except ProcessingLocked:
            if mode == "all":
                raise
            mode = "none"  # a server works on this folder: record the event, it applies it
    try:
        async with _open(settings, console, on_progress, ingest_kb, workers, mode, load_models, overrides) as runtime:
            yield runtime
    finally:
        lock.release()


def _queue(settings: Settings, runner: ThreadRunner, services: Services, workers: int | None, mode: Mode) -> JobQueue | PostgresQueue:
    if settings.database:
        workers = settings.worker_concurrency if workers is None else workers
        return PostgresQueue(
            runner, services.store, database_url=settings.database, workers=workers if mode == "all" else 0,
            pooler=settings.database_pooler, pool_size=settings.database_pool_size, backoff_s=settings.retry_backoff_s,
            stalled_after_s=settings.worker_stalled_after_s,
        )
    return JobQueue(runner, services.store, workers=workers or settings.queue_concurrency, mode=mode,
                    backoff_s=settings.retry_backoff_s)


@asynccontextmanager
async def _open(settings, console, on_progress, ingest_kb, workers, mode, load_models, overrides) -> AsyncIterator[AppRuntime]:
    async with open_services(settings, console=console, **overrides) as services:
        warmup = None
        if ingest_kb == "background":
            # Held now, before the queue starts: a job must not open the store while the warm-up does.
            warmup = asyncio.create_task(ingest_in_background(services.kb, services.kb.hold()), name="kb-warmup")
        elif ingest_kb:
            await asyncio.to_thread(services.kb.ensure_ingested)
        if load_models:
            # Before the queue starts: a first job that loads torch and the models holds the
            # interpreter for seconds, its worker misses heartbeats, and others take its jobs over.
            await asyncio.to_thread(_load_models, settings, services)
        async with open_checkpointer(sqlite_path=settings.checkpoint_path, database_url=settings.database,
                                     pooler=settings.database_pooler, pool_size=settings.database_pool_size,
                                     setup=settings.migrate_at_start) as saver:
            graph = build_graph().compile(checkpointer=saver, name="concierge")
            runner = ThreadRunner(graph, services, on_progress)
            queue = _queue(settings, runner, services, workers, mode)
            await queue.start()
            try:
                yield AppRuntime(settings, services, graph, runner, queue)
            finally:
                await queue.stop()
                if warmup is not None:
                    warmup.cancel()
                    await asyncio.gather(warmup, return_exceptions=True)


def _load_models(settings: Settings, services: Services) -> None:
    from concierge.tools import minilm
    from concierge.tools.llm.language import detect_language

    services.kb.embeddings  # noqa: B018 - the property loads the knowledge base's embedding model
    detect_language("The language identifier loads on first use.")
    if settings.llm_engine == "offline":
        minilm.model()  # the offline engine's (already loaded unless EMBEDDING_MODEL names another)
