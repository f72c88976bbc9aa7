"""The `concierge` command."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from pathlib import Path
from collections.abc import AsyncIterator

import httpx
import typer
from rich.console import Console
from rich.table import Table

from concierge.cli_runtime import check_schema, db_app, events_app, prune, worker
from concierge.eval.cli import eval_app
from concierge.settings import get_settings



class ConciergeApp(typer.Typer):
    """Every command stops on a bad setting with one line naming it and what it allows, exit code
    2, never a traceback."""

    def __call__(self, *args, **kwargs):
        from concierge.startup import EXIT_CONFIG, config_message, is_settings_error

        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if not is_settings_error(exc):
                raise
            typer.echo(config_message(exc), err=True)
            raise SystemExit(EXIT_CONFIG) from None


app = ConciergeApp(help="Concierge: AI support & sales agent for hospitality and travel.", no_args_is_help=True)
kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(eval_app, name="eval")
app.add_typer(db_app, name="db")
app.add_typer(events_app, name="events")
app.command()(worker)
threads_app = typer.Typer(help="The threads: one per ticket.", invoke_without_command=True)
app.add_typer(threads_app, name="threads")
threads_app.command("prune")(prune)
# Wide enough for the demo table when output is not a terminal (CI logs, pipes).
console = Console(width=None if Console().is_terminal else 160)


@asynccontextmanager
async def api_client(mode: str = "none") -> AsyncIterator[httpx.AsyncClient]:
    """The thread API of this machine's Concierge data, served in-process through the same routes.

    Read-only commands process nothing (mode "none"); a decision is applied by this process only
    when no server works on the folder (mode "own"), otherwise the server applies it.
    """
    from concierge.server.app import create_app
    from concierge.server.runtime import open_runtime

    settings = get_settings()
    headers = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"} if settings.admin_token else {}
    async with open_runtime(settings, ingest_kb=False, mode=mode) as runtime:
        transport = httpx.ASGITransport(app=create_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://concierge", headers=headers, timeout=180) as client:
            yield client


def _fail(response: httpx.Response) -> None:
    if response.is_error:
        console.print(f"[red]{response.status_code}[/] {response.json().get('detail', response.text)}")
        raise typer.Exit(1)


@app.command()
def demo(
    reset: bool = typer.Option(False, "--reset", help="Start from an empty data folder."),
    helpdesk: str | None = typer.Option(None, "--helpdesk", help="local | hubspot | zendesk | jira | zoho (default: HELPDESK)"),
) -> None:
    """Take the helpdesk's tickets assigned to the AI through the whole flow (the seeded demo tickets
    by default; with --helpdesk, that account's own tickets, whose customers answer for real)."""
    from pydantic import ValidationError

    from concierge.demo import run_demo
    from concierge.settings import Settings

    try:
        settings = Settings(HELPDESK=helpdesk) if helpdesk else get_settings()
    except ValidationError as exc:
        if helpdesk is None:
            raise
        console.print(f"[red]--helpdesk:[/] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    _configure_logging(settings, quiet=True)
    asyncio.run(run_demo(settings, console, reset=reset))


@threads_app.callback()
def threads(ctx: typer.Context) -> None:
    """List threads with their stage and what each waits for."""
    if ctx.invoked_subcommand is not None:
        return

    async def run() -> list[dict]:
        async with api_client() as client:
            response = await client.get("/api/v1/threads")
            _fail(response)
            return response.json()

    table = Table("thread", "customer", "path", "stage", "waiting for", "outcome")
    for t in asyncio.run(run()):
        table.add_row(t["thread_id"], t["customer"] or "", t["path"] or "", t["stage"] or "", t["waiting_for"] or "—",
                      (t["outcome"] or {}).get("status", ""))
    console.print(table)


@app.command()
def show(thread_id: str) -> None:
    """Everything about one thread: profile, offers, emails, calls, escalation, timeline."""

    async def run() -> dict:
        async with api_client() as client:
            response = await client.get(f"/api/v1/threads/{thread_id}")
            _fail(response)
            return response.json()

    detail = asyncio.run(run())
    console.print_json(json.dumps({k: v for k, v in detail.items() if k != "log"}))
    console.rule("timeline")
    for entry in detail["log"]:
        console.print(f"{entry['at']}  [bold]{entry['node']}[/]  {entry['text']}")


@app.command()
def resume(
    thread_id: str,
    action: str = typer.Option(..., "--action", help="approve | retry | close | handoff"),
    note: str = typer.Option("", "--note", help="What the human decided and why."),
    by: str = typer.Option("operator", "--by", help="Who decided."),
) -> None:
    """Give a waiting thread a human decision."""

    async def run() -> dict:
        async with api_client(mode="own") as client:
            response = await client.post(f"/api/v1/threads/{thread_id}/resume", json={"action": action, "note": note, "by": by})
            _fail(response)
            return response.json()

    detail = asyncio.run(run())
    outcome = detail.get("outcome") or {}
    console.print(f"[green]resumed[/] {thread_id}: stage={detail['stage']} outcome={outcome.get('status', '—')} "
                  f"waiting for={detail['waiting_for'] or '—'}")


@kb_app.command("ingest")
def kb_ingest(files: list[Path] = typer.Argument(..., exists=True, readable=True,
                                                 help="Inventory JSON (hotels, rooms, policies), rooms CSV, or policy Markdown/HTML.")) -> None:
    """Upsert files into the knowledge base; re-ingesting a file updates it in place."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from concierge.tools.knowledge import KnowledgeBase

    kb = KnowledgeBase(get_settings())
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
            for file in files:
                task = bar.add_task(file.name, total=None)
                count = kb.ingest(file, progress=lambda done, total, task=task: bar.update(task, completed=done, total=total))
                bar.update(task, description=f"{file.name}: {count} documents")
        console.print(f"collection now holds {kb.count()} documents")
    except ValueError as e:
        console.print(f"[red]{e}[/]")
        raise typer.Exit(1) from e
    finally:
        kb.close()


@kb_app.command("search")
def kb_search(
    query: str = typer.Argument(..., help="What the customer asks, e.g. 'a cheap guesthouse in the north with parking'."),
    city: str | None = typer.Option(None, "--city", help="Defaults to a known destination named in the query."),
    k: int = typer.Option(5, "--k", help="How many hotels to show."),
    policies: bool = typer.Option(False, "--policies", help="Search the policies instead of the rooms."),
) -> None:
    """Search as the retriever does: constraints read from the query filter, the rest ranks; shows why each hit matches."""
    from concierge.tools.knowledge import KnowledgeBase, StayRequest
    from concierge.tools.llm.offline.profile import profile

    kb = KnowledgeBase(get_settings())
    try:
        if policies:
            table = Table("score", "policy", "matching words", "text")
            for p in kb.search_policies(query, k=k):
                table.add_row(f"{p.score:.3f}", p.title, ", ".join(kb.why(query, p.text)), p.text[:100])
            console.print(table)
            return
        read = profile({"ticket": {"subject": "", "body": query}, "known_destinations": kb.destinations()})
        if city:
            read["destination"] = city
        request = StayRequest.from_profile(read)
        from concierge.agents.retriever import room_query

        search = kb.find_rooms(room_query(read), request, k=k)
        asked = [label for label, _, _ in request.hard_conditions()] or ["nothing hard"]
        console.print(f"hard constraints: {'; '.join(asked)}   preferred: {', '.join(request.preferred) or '—'}")
        if search.nothing_fits:
            console.print("[yellow]Nothing fits every hard constraint.[/] " + ("Nearest alternatives:" if search.alternatives else ""))
        table = Table("score", "hotel", "room", "price", "why it matches", "breaks", "source")
        for o in search.offers or search.alternatives:
            table.add_row(f"{o.score:.3f}", o.hotel_name, f"{o.room_name} (sleeps {o.capacity})", f"{o.price_per_night:.0f} {o.currency}",
                          "; ".join(o.matches + [f"words: {', '.join(kb.why(query, o.hotel_name + ' ' + ' '.join(o.amenities + o.features)))}"]),
                          "; ".join(o.breaks) or "—", ", ".join(o.source_ids))
        console.print(table)
    finally:
        kb.close()


@app.command()
def poll(wait: bool = typer.Option(True, help="Wait until the taken tickets' threads stop before exiting.")) -> None:
    """Take every open ticket the helpdesk has assigned to the AI (the same intake as its webhook)."""
    from concierge.server.assignments import poll_assigned_tickets
    from concierge.server.runtime import open_runtime
    from concierge.tools.crm import HelpdeskError, HelpdeskUnavailable

    async def run() -> list:
        async with open_runtime(get_settings()) as runtime:
            taken = await poll_assigned_tickets(runtime)
            if wait:
                await runtime.queue.join()
            return taken

    try:
        taken = asyncio.run(run())
    except (HelpdeskError, HelpdeskUnavailable) as exc:
        console.print(f"[red]helpdesk error[/] {exc}")
        raise typer.Exit(1) from exc
    new = [a.thread_id for a in taken if not a.duplicate]
    console.print(f"{len(taken)} ticket(s) assigned to the AI; {len(new)} new: {', '.join(new) or '—'}")


@app.command()
def doctor() -> None:
    """Check every configured integration and print the fix for each failure."""
    from concierge.doctor import run_checks

    checks = asyncio.run(run_checks(get_settings()))
    table = Table("part", "", "detail", "fix")
    for check in checks:
        table.add_row(check.part, "[green]ok[/]" if check.ok else "[red]fail[/]", check.detail, check.fix)
    console.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _configure_logging(settings, *, quiet: bool = False) -> None:
    """Structured logs (LOG_FORMAT, LOG_LEVEL); interactive commands show warnings and worse only."""
    from concierge.observability.logs import configure_logging

    level = settings.log_level if not quiet or settings.log_level in ("WARNING", "ERROR") else "WARNING"
    configure_logging(settings.log_format, level)


@app.command()
def serve(host: str | None = None, port: int | None = None,
          workers: int | None = typer.Option(None, "--workers", help="Jobs this process runs at once. SQLite: default 2. "
                                             "PostgreSQL: default 0, `concierge worker` processes run them.")) -> None:
    """Run the HTTP API (webhooks and the thread API)."""
    from concierge.startup import EXIT_CONFIG, check_parts, public_address_problem

    settings = get_settings()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    if (problem := public_address_problem(settings, settings.host)) is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(EXIT_CONFIG)
    check_parts(settings)
    check_schema(settings)
    _configure_logging(settings)

    import uvicorn

    from concierge.server.app import create_app

    # log_config=None: uvicorn's records go through the structured, masked handler too.
    uvicorn.run(create_app(settings=settings, workers=workers), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    app()
