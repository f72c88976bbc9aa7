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

from concierge.eval.cli import eval_app
from concierge.settings import get_settings

app = typer.Typer(help="Concierge: AI support & sales agent for hospitality and travel.", no_args_is_help=True)
kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(eval_app, name="eval")
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
def demo(reset: bool = typer.Option(False, "--reset", help="Start from an empty data folder.")) -> None:
    """Seed the helpdesk, ingest the knowledge base and take the demo tickets through the whole flow."""
    from concierge.demo import run_demo

    asyncio.run(run_demo(get_settings(), console, reset=reset))


@app.command()
def threads() -> None:
    """List threads with their stage and what each waits for."""

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
def kb_ingest(file: Path = typer.Argument(..., exists=True, readable=True, help="Inventory JSON (hotels, rooms, policies).")) -> None:
    """Upsert an inventory file into the knowledge base."""
    from concierge.tools.knowledge import KnowledgeBase

    kb = KnowledgeBase(get_settings())
    try:
        count = kb.ingest(file)
        console.print(f"ingested {count} documents; collection now holds {kb.count()}")
    finally:
        kb.close()


@app.command()
def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the HTTP API (webhooks and the thread API)."""
    import uvicorn

    from concierge.server.app import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings=settings), host=host or settings.host, port=port or settings.port)


if __name__ == "__main__":
    app()
