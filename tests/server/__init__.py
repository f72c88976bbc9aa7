"""HTTP-route tests, plus the helpers the route and flow tests share.

`world` captures everything a request could change (the thread as the API shows it, the helpdesk
ticket and its notes, the outbox, the alerts file, the simulated calls, the effects ledger, the
inbox and the registered threads), so a rejected request can be shown to have changed nothing.
"""

from __future__ import annotations

import email
import email.policy
from typing import Any

import httpx

from concierge.runtime.process import AppRuntime
from concierge.server.app import create_app
from concierge.server.verify import concierge_signature
from concierge.tools.signing import SignedWebhooks

WEBHOOKS = "/api/v1/webhooks"
THREADS = "/api/v1/threads"


def asgi_client(runtime: AppRuntime, **kwargs: Any) -> httpx.AsyncClient:
    """An in-process client of the app whose webhook requests are signed as the runtime's settings say."""
    transport = httpx.ASGITransport(app=create_app(runtime))
    signed = SignedWebhooks(concierge_signature(runtime.settings))
    return httpx.AsyncClient(transport=transport, base_url="http://concierge", auth=signed, **kwargs)


def outbox_files(runtime: AppRuntime) -> list[str]:
    folder = runtime.settings.outbox_dir
    return sorted(p.name for p in folder.glob("*.eml")) if folder.exists() else []


def outbox_messages(runtime: AppRuntime) -> dict[str, email.message.EmailMessage]:
    """Every sent email as parsed from the outbox, by Message-ID."""
    folder = runtime.settings.outbox_dir
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in folder.glob("*.eml")]
    return {m["Message-ID"]: m for m in messages}


def alert_lines(runtime: AppRuntime) -> list[str]:
    path = runtime.settings.alerts_file
    return path.read_text().splitlines() if path.exists() else []


def alerts(runtime: AppRuntime) -> list[dict[str, Any]]:
    return runtime.services.alerts.read()


def call_files(runtime: AppRuntime) -> list[str]:
    folder = runtime.settings.calls_dir
    return sorted(p.name for p in folder.glob("*.json")) if folder.exists() else []


async def all_events(runtime: AppRuntime) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from concierge.db.tables import events

    async with runtime.services.store.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(events).order_by(events.c.source, events.c.event_id))]


async def world(client: httpx.AsyncClient, runtime: AppRuntime, thread_id: str | None = None,
                ticket_id: str | None = None) -> dict[str, Any]:
    """Everything a webhook or resume could touch, for before/after comparisons."""
    helpdesk = runtime.services.helpdesk
    state: dict[str, Any] = {
        "outbox": outbox_files(runtime),
        "alerts": alert_lines(runtime),
        "calls": call_files(runtime),
        "effects": await runtime.services.store.effects(),
        "events": await all_events(runtime),
        "threads": await runtime.services.store.thread_ids(),
    }
    if thread_id is not None:
        r = await client.get(f"{THREADS}/{thread_id}")
        state["thread"] = (r.status_code, r.json())
    if ticket_id is not None:
        state["ticket"] = (await helpdesk.get_ticket(ticket_id)).model_dump()
        state["notes"] = await helpdesk.notes(ticket_id)
    return state


async def assign(client: httpx.AsyncClient, runtime: AppRuntime, ticket_id: str) -> dict[str, Any]:
    """Assign a ticket to the AI through the webhook and wait until its thread stops."""
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"ticket_id": ticket_id})
    assert r.status_code == 202, r.text
    await runtime.queue.join()
    return await thread(client, f"local:{ticket_id}")


async def thread(client: httpx.AsyncClient, thread_id: str) -> dict[str, Any]:
    r = await client.get(f"{THREADS}/{thread_id}")
    assert r.status_code == 200, r.text
    return r.json()


def nodes(detail: dict[str, Any], node: str) -> list[dict[str, Any]]:
    """The thread's log entries written by one node."""
    return [e for e in detail["log"] if e["node"] == node]
