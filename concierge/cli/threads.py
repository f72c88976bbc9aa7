"""`concierge threads`, `show`, `resume` and `threads prune`: the threads, one per ticket, read and
decided through the thread API served in-process."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from concierge.cli.terminal import console, get_settings, run_async

if TYPE_CHECKING:
    import httpx

    from concierge.runtime.queue import Mode

threads_app = typer.Typer(help="The threads: one per ticket.", invoke_without_command=True)


@asynccontextmanager
async def api_client(mode: Mode = "none") -> AsyncIterator[httpx.AsyncClient]:
    """The thread API of this machine's Concierge data, served in-process through the same routes.

    Read-only commands process nothing (mode "none"); a decision is applied by this process only
    when no server works on the folder (mode "own"), otherwise the server applies it.
    """
    import httpx

    from concierge.runtime.process import open_runtime
    from concierge.server.app import create_app

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
    for t in run_async(run()):
        table.add_row(t["thread_id"], t["customer"] or "", t["path"] or "", t["stage"] or "", t["waiting_for"] or "—",
                      (t["outcome"] or {}).get("status", ""))
    console.print(table)


def show(thread_id: str) -> None:
    """Everything about one thread: profile, offers, emails, calls, escalation, timeline."""

    async def run() -> dict:
        async with api_client() as client:
            response = await client.get(f"/api/v1/threads/{thread_id}")
            _fail(response)
            return response.json()

    detail = run_async(run())
    console.print_json(json.dumps({k: v for k, v in detail.items() if k != "log"}))
    from concierge.tools.llm.usage import describe_usage

    console.print(f"[bold]LLM:[/] {describe_usage(detail.get('llm_usage'))}")
    if detail.get("llm_degraded"):
        console.print(f"[yellow]offline engine instead of the LLM in {', '.join(detail['llm_degraded']['steps'])}:[/] "
                      f"{'; '.join(detail['llm_degraded']['reasons'])}")
    for note in detail.get("guard_notes") or []:
        console.print(f"[yellow]guard overruled the model in {note['step']}:[/] {'; '.join(note['reasons'])}")
    console.rule("timeline")
    for entry in detail["log"]:
        console.print(f"{entry['at']}  [bold]{entry['node']}[/]  {entry['text']}")


def resume(
    thread_id: str,
    action: str = typer.Option(..., "--action", help="approve | retry | close | handoff | reply (the thread's allowed ones); "
                               "a draft waiting for review: approve | reject"),
    note: str = typer.Option("", "--note", help="What the human decided and why."),
    by: str = typer.Option("operator", "--by", help="Who decided."),
    body: str = typer.Option("", "--body", help="reply: the email to the customer."),
    subject: str = typer.Option("", "--subject", help="reply: the subject (default: Re: the conversation's)."),
    then: str = typer.Option("wait", "--then", help="reply: wait (for the customer's answer) or close."),
) -> None:
    """Give a waiting thread a human decision."""
    decision = {"action": action, "note": note, "by": by}
    if action == "reply":
        decision |= {"body": body, "subject": subject, "then": then}

    async def run() -> dict:
        async with api_client(mode="own") as client:
            # One key per command: a request the client sends again is applied once.
            response = await client.post(f"/api/v1/threads/{thread_id}/resume", json=decision,
                                         headers={"Idempotency-Key": f"cli-{uuid.uuid4()}"})
            _fail(response)
            return response.json()

    detail = run_async(run())
    outcome = detail.get("outcome") or {}
    console.print(f"[green]resumed[/] {thread_id}: stage={detail['stage']} outcome={outcome.get('status', '—')} "
                  f"waiting for={detail['waiting_for'] or '—'}")


def parse_age(text: str) -> timedelta:
    try:
        from concierge.settings import parse_duration

        return parse_duration(text, bare=None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@threads_app.command("prune")
def prune(older_than: str = typer.Option("90d", "--older-than", help="Finished at least this long ago: 90d, 12h, 30m."),
          dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be deleted.")) -> None:
    """Delete finished threads' checkpoints, events, effects and correlations."""
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from concierge.runtime.process import open_runtime

    cutoff = datetime.now(UTC) - parse_age(older_than)

    async def run() -> list[str]:
        async with open_runtime(get_settings(), ingest_kb=False, mode="none") as runtime:
            store = runtime.services.store
            done = [t["thread_id"] for t in await store.threads_by_status("done", updated_before=cutoff)]
            if not dry_run:
                saver = runtime.graph.checkpointer
                assert isinstance(saver, BaseCheckpointSaver)  # open_runtime compiles the graph with its saver
                for thread_id in done:
                    await saver.adelete_thread(thread_id)
                    await store.forget_thread(thread_id)
            return done

    pruned = run_async(run())
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {len(pruned)} thread(s) finished before {cutoff:%Y-%m-%d %H:%M} UTC" + (f": {', '.join(pruned)}" if pruned else ""))
