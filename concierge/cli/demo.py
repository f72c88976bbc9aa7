"""`concierge demo`: the whole flow on the embedded defaults, driven through the webhook routes.

The seeded helpdesk's open tickets are assigned to the AI; scripted customers answer the emails
and the call simulator plays their calls, until every thread is done or waits for a human.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from rich.console import Console
from rich.table import Table

from concierge.runtime.process import AppRuntime, open_runtime
from concierge.runtime.runner import waiting_for
from concierge.server.app import create_app
from concierge.server.verify import concierge_signature
from concierge.server.views import calls_with_results
from concierge.settings import Settings
from concierge.tools.email.addresses import reply_address
from concierge.tools.signing import SignedWebhooks
from concierge.tools.voice.simulator import CallSimulator, Persona

MAX_ROUNDS = 8
DEMO_RETRY_MINUTES = 0.02  # a second call 1.2 s after an unanswered one


def command_name() -> str:
    """How to call `concierge` from here: the virtual environment's script when it is not on PATH."""
    script = Path(sys.executable).parent / "concierge"
    if shutil.which("concierge") == str(script) or not script.exists():
        return "concierge"
    return os.path.relpath(script)


def _progress(console: Console):
    def show(thread_id: str, node: str, change: dict[str, Any]) -> None:
        if node == "__interrupt__":
            what = change["interrupt"][0].value.get("waiting_for")
            console.print(f"  [cyan]{thread_id:>11}[/] [yellow]⏸ waiting for {what.replace('_', ' ')}[/]")
            return
        entries = change.get("log") or []
        text = entries[-1]["text"] if entries else ""
        console.print(f"  [cyan]{thread_id:>11}[/] [bold]{node}[/] {text}")

    return show


async def send_customer_reply(client: httpx.AsyncClient, runtime: AppRuntime, thread_id: str, text: str) -> httpx.Response:
    """The customer answers the thread's last email, through the inbound-email webhook."""
    snapshot = await runtime.runner.snapshot(thread_id)
    assert snapshot is not None  # the thread sent the email being answered
    values = snapshot.values
    ticket, last = values["ticket"], values["emails"][-1]
    answered = len(values.get("replies") or [])
    return await client.post("/api/v1/webhooks/inbound_email", json={
        "from": ticket["customer"]["email"],
        "to": [reply_address(thread_id, runtime.settings.reply_domain, runtime.settings.signing_key)],
        "subject": f"Re: {last['subject'].removeprefix('Re: ')}",
        "text": text,
        "message_id": f"<reply-{ticket['id']}-{answered + 1}@customer.example.com>",
        "in_reply_to": last["message_id"],
    })


def call_persona(behaviour: dict[str, Any], attempt: int) -> str:
    """How the scripted customer takes call number `attempt` (1-based): one persona for every call,
    or one per call in order (the last one repeats), e.g. ["no_answer", "books"]."""
    call = behaviour.get("call") or "no_answer"
    return call if isinstance(call, str) else call[min(attempt, len(call)) - 1]


async def report_call(client: httpx.AsyncClient, runtime: AppRuntime, thread_id: str, persona: str) -> httpx.Response:
    """The call simulator plays the thread's last call and posts its end-of-call report."""
    snapshot, voice = await runtime.runner.snapshot(thread_id), runtime.services.voice
    assert snapshot is not None and isinstance(voice, CallSimulator)  # the thread placed a simulated call
    call_id = snapshot.values["calls"][-1]["call_id"]
    return await client.post("/api/v1/webhooks/call_completed", json=voice.play(call_id, cast(Persona, persona)))


async def _customers_act(client: httpx.AsyncClient, runtime: AppRuntime, script: dict[str, Any]) -> int:
    """Each scripted customer answers what waits for them: an email reply, or the phone call."""
    acted = 0
    for thread_id in await runtime.services.store.thread_ids():
        snapshot = await runtime.runner.snapshot(thread_id)
        values = snapshot.values if snapshot else {}
        ticket_id = (values.get("ticket") or {}).get("id")
        behaviour = script.get(ticket_id, {}) if ticket_id is not None else {}
        waiting = waiting_for(snapshot)
        replies = behaviour.get("replies") or []
        if waiting == "email_reply" and len(values.get("replies") or []) < len(replies):
            response = await send_customer_reply(client, runtime, thread_id, replies[len(values.get("replies") or [])])
        elif waiting == "call_report":
            persona = call_persona(behaviour, len(values.get("calls") or []))
            response = await report_call(client, runtime, thread_id, persona)
        else:
            continue
        response.raise_for_status()
        acted += 1
    return acted


async def _timers_due_soon(runtime: AppRuntime, limit_s: float = 30) -> bool:
    """Wait for the threads' timers due within `limit_s` (a call tried again) to fire and be
    processed; False when none is."""
    now = datetime.now(UTC)
    due = [datetime.fromisoformat(e["not_before"]) for e in await runtime.services.store.pending_events()
           if e["source"] == "timer" and e["not_before"]]
    soon = [at for at in due if (at - now).total_seconds() <= limit_s]
    if not soon:
        return False
    await asyncio.sleep(max((max(soon) - now).total_seconds(), 0) + 0.05)
    await runtime.queue.sweep()
    await runtime.queue.join()
    return True


def _shorten(reasons: list[str], limit: int = 140) -> str:
    text = reasons[0] if reasons else ""
    more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return (text if len(text) <= limit else text[: limit - 1] + "…") + more


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Concierge demo — outcome per ticket", show_lines=True)
    for column in ("ticket", "customer", "path", "emails sent", "call result", "outcome"):
        table.add_column(column, no_wrap=True)
    table.add_column("escalation reason", overflow="fold", min_width=30)
    styles = {"resolved": "green", "escalated": "red", "closed": "yellow", "handed_off": "yellow"}
    for r in rows:
        status = r["outcome"]
        table.add_row(r["thread_id"], r["customer"], r["path"], str(r["emails"]), r["call"],
                      f"[{styles.get(status, 'white')}]{status}[/]", r["reason"])
    return table


UNREACHED = {"customer-did-not-answer": "no answer", "customer-busy": "busy", "voicemail": "voicemail"}


def call_result(calls: list[dict[str, Any]], analysis: dict[str, Any] | None) -> str:
    """Each call's result in order, e.g. "no answer → booked" (calls as the thread API shows them)."""
    if not calls:
        return "—"
    results = [UNREACHED.get(c.get("ended_reason") or "", "in progress") for c in calls]
    last = calls[-1]
    if analysis and last.get("ended_reason") not in UNREACHED:
        results[-1] = ("transferred" if last.get("transferred_to") else "booked" if analysis.get("booked")
                       else "frustrated" if analysis.get("frustrated") else "no booking")
    return " → ".join(results)


async def summarise(runtime: AppRuntime) -> list[dict[str, Any]]:
    rows = []
    for thread_id in await runtime.services.store.thread_ids():
        snapshot = await runtime.runner.snapshot(thread_id)
        v = snapshot.values if snapshot else {}
        outcome = (v.get("outcome") or {}).get("status") or f"waiting: {waiting_for(snapshot) or v.get('stage')}"
        rows.append({
            "thread_id": thread_id,
            "customer": (v.get("ticket") or {}).get("customer", {}).get("name", "?"),
            "path": v.get("path") or "?",
            "emails": len(v.get("emails") or []),
            "call": call_result(calls_with_results(v), v.get("call_analysis")),
            "outcome": outcome,
            "reason": _shorten((v.get("escalation") or {}).get("reasons", [])) if outcome == "escalated" else "",
            "waiting_for": waiting_for(snapshot),
        })
    return rows


def reset_demo_data(settings: Settings) -> list[str]:
    """Empty the data folder of what the demo made (threads, events, helpdesk notes, emails, calls,
    alerts) and keep the console's operators and saved settings, the generated secrets (which
    sign reply addresses and encrypt saved settings) and the knowledge base. Returns what was removed."""
    keep = {settings.console_db_path.name, "secrets", settings.qdrant_local_path.name}
    removed = []
    for entry in sorted(settings.data_dir.iterdir()) if settings.data_dir.exists() else []:
        if entry.name in keep or entry.name.removesuffix("-wal").removesuffix("-shm") in keep:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        removed.append(entry.name)
    return removed


def made_so_far(settings: Settings) -> dict[str, int]:
    """The emails, calls and alerts in the data folder."""
    alerts = settings.alerts_file.read_text().splitlines() if settings.alerts_file.exists() else []
    return {"email(s)": len(list(settings.outbox_dir.glob("*.eml"))), "call(s)": len(list(settings.calls_dir.glob("*.json"))),
            "alert(s)": len(alerts)}


def describe_run(before: dict[str, int], after: dict[str, int]) -> str:
    """What this run of the demo sent, or that it sent nothing new (a second run over the same data)."""
    new = {what: after[what] - before.get(what, 0) for what in after}
    if not any(new.values()):
        earlier = ", ".join(f"{n} {what}" for what, n in after.items())
        return f"Nothing new sent: {earlier} from the earlier run stand (each is made once; --reset starts again)."
    return "This run sent " + ", ".join(f"{n} {what}" for what, n in new.items()) + "."


async def run_demo(settings: Settings, console: Console, *, reset: bool = False) -> list[dict[str, Any]]:
    if reset:
        reset_demo_data(settings)
    before = made_so_far(settings)
    script = json.loads(settings.helpdesk_seed_file.read_text()).get("demo_script", {})
    if settings.voice_provider == "simulator":  # simulated calls ring nobody: the demo runs at any hour,
        # and calls again seconds after no answer instead of hours
        settings = settings.model_copy(update={"call_window": "00:00-24:00", "call_on_sundays": True,
                                               "call_retry_minutes": DEMO_RETRY_MINUTES})
    console.rule("[bold]Concierge demo")
    console.print(f"LLM: [bold]{settings.llm_engine}[/] · data in [bold]{settings.data_dir}[/]")
    console.print("Opening the knowledge base (embeddings model, the Qdrant engine in-process)…")
    async with open_runtime(settings, console=console, on_progress=_progress(console)) as runtime:
        app = create_app(runtime)
        signed = SignedWebhooks(concierge_signature(settings))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://concierge", auth=signed) as client:
            tickets = await runtime.services.helpdesk.list_assigned_tickets()
            console.print(f"\n[bold]1.[/] {len(tickets)} open ticket(s) assigned to {settings.ai_assignee!r} → ticket_assigned webhook")
            for ticket in tickets:
                response = await client.post("/api/v1/webhooks/ticket_assigned", json={"helpdesk": ticket.helpdesk, "ticket_id": ticket.id})
                response.raise_for_status()
            await runtime.queue.join()
            for round_ in range(2, MAX_ROUNDS + 2):
                console.print(f"\n[bold]{round_}.[/] customers reply and answer their calls")
                if not await _customers_act(client, runtime, script):
                    if await _timers_due_soon(runtime):
                        continue
                    console.print("  nothing left for customers to do")
                    break
                await runtime.queue.join()
        rows = await summarise(runtime)
    console.print()
    console.print(_table(rows))
    waiting = [r for r in rows if r["waiting_for"] == "human"]
    if waiting:
        console.print("\n[bold]Waiting for a human.[/] Resume with, for example:")
        console.print(f"  {command_name()} resume {waiting[0]['thread_id']} --action handoff --note \"I'll call the customer myself\"")
        console.print(f"or in the web console: {command_name()} operators add YOUR_NAME, then {command_name()} serve "
                      f"and open http://{settings.host}:{settings.port}/")
    console.print(f"\n{describe_run(before, made_so_far(settings))}")
    console.print(f"Emails: {settings.outbox_dir}/ · alerts: {settings.alerts_file} · calls: {settings.calls_dir}/")
    return rows
