"""`concierge db`, `concierge events` and `concierge worker`: running Concierge on its database."""

from __future__ import annotations

import signal

import typer
from rich.table import Table

from concierge.cli.terminal import console, get_settings, run_async

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
events_app = typer.Typer(help="The event inbox: webhook events and timers.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate Concierge's tables, the job queue and the checkpoint tables to this version."""
    from concierge.db import migrate
    from concierge.db.checkpoints import open_checkpointer
    from concierge.db.engine import open_engine

    settings = get_settings()

    async def run() -> tuple[str | None, str]:
        engine = open_engine(settings.database or settings.app_db_path, pooler=settings.database_pooler)
        try:
            if not settings.database:
                settings.app_db_path.parent.mkdir(parents=True, exist_ok=True)
            revisions = await migrate.upgrade(engine)
        finally:
            await engine.dispose()
        async with open_checkpointer(sqlite_path=settings.checkpoint_path, database_url=settings.database,
                                     pooler=settings.database_pooler, pool_size=1, setup=True):
            pass
        return revisions

    before, now = run_async(run())
    where = "PostgreSQL" if settings.database else str(settings.app_db_path)
    console.print(f"{where}: schema {before or 'empty'} → {now}" if before != now else f"{where}: schema already at {now}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema version of the database and the one this version of Concierge needs."""
    from concierge.db import migrate
    from concierge.db.engine import open_engine

    settings = get_settings()

    async def run() -> str | None:
        engine = open_engine(settings.database or settings.app_db_path)
        try:
            return await migrate.current(engine)
        finally:
            await engine.dispose()

    console.print(f"database: {run_async(run()) or 'empty'}; needed: {migrate.head()}")


async def _with_store(work):
    from concierge.db.store import AppStore

    settings = get_settings()
    store = AppStore(settings.database or settings.app_db_path, auto_migrate=settings.migrate_at_start,
                     pooler=settings.database_pooler, pool_size=2)
    await store.open()
    try:
        return await work(store)
    finally:
        await store.close()


@events_app.command("list")
def events_list(failed: bool = typer.Option(False, "--failed", help="Only events that failed for good.")) -> None:
    """Events not processed yet (or, with --failed, those that failed), oldest first."""

    async def read(store):
        return await (store.failed_events() if failed else store.pending_events())

    table = Table("id", "thread", "kind", "status", "attempts", "received", "due", "error")
    rows = run_async(_with_store(read))
    for e in rows:
        table.add_row(f"{e['source']}:{e['event_id']}", e["thread_id"], e["kind"], e["status"], str(e["attempts"]),
                      e["received_at"], e["not_before"] or "now", (e["error"] or "")[:120])
    console.print(table)
    console.print(f"{len(rows)} {'failed' if failed else 'pending'} event(s)")


@events_app.command("retry")
def events_retry(event: str = typer.Argument(..., help="SOURCE:EVENT_ID as `events list --failed` shows it.")) -> None:
    """Make a failed event pending again; the server or a worker processes it at its next sweep."""
    source, _, event_id = event.partition(":")
    if not event_id:
        console.print("[red]give the event as SOURCE:EVENT_ID[/] (see `concierge events list --failed`)")
        raise typer.Exit(2)
    if not run_async(_with_store(lambda store: store.requeue_event(source, event_id))):
        console.print(f"[red]no failed event {event}[/]")
        raise typer.Exit(1)
    console.print(f"[green]queued again[/] {event}")


def worker(concurrency: int | None = typer.Option(None, "--concurrency", help="Jobs at once (default WORKER_CONCURRENCY).")) -> None:
    """Process events from the PostgreSQL job queue until stopped (SIGTERM/SIGINT finish the running jobs first).
    Run any number of them, on any number of machines."""
    from concierge.runtime.process import open_runtime

    settings = get_settings()
    if not settings.database:
        console.print("[red]`concierge worker` needs DATABASE_URL (PostgreSQL).[/] On the embedded SQLite files, "
                      "`concierge serve` processes events itself.")
        raise typer.Exit(2)

    from concierge.cli.startup import check_parts
    from concierge.observability.logs import configure_logging

    check_parts(settings)  # a bad option stops here, with one line naming it
    check_schema(settings)
    configure_logging(settings.log_format, settings.log_level)
    if not settings.secret_key:
        console.print("[yellow]SECRET_KEY is not set:[/] a key generated in this data folder signs reply addresses; "
                      "processes on other machines need the same SECRET_KEY")

    async def run() -> None:
        import asyncio

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with open_runtime(settings, workers=concurrency or settings.worker_concurrency, load_models=True) as runtime:
            console.print(f"worker ready: {runtime.queue.workers} job(s) at once; waiting for events")
            await stop.wait()
            console.print("stopping: finishing the running jobs")

    run_async(run())


def check_schema(settings) -> None:
    """Stop now, with one line, when the database is behind this version and start-up will not migrate it."""
    if settings.migrate_at_start:
        return
    from concierge.db import migrate
    from concierge.db.engine import open_engine

    async def check() -> None:
        engine = open_engine(settings.database or settings.app_db_path, pooler=settings.database_pooler, pool_size=1)
        try:
            await migrate.require_current(engine)
        finally:
            await engine.dispose()

    try:
        run_async(check())
    except migrate.SchemaOutOfDate as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
