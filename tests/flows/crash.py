"""The demo's customers, acting through the webhooks while servers are killed: shared by the crash tests."""

from __future__ import annotations

import httpx

from concierge.cli.demo import call_persona, call_result
from concierge.tools.voice.simulator import CallSimulator


def act(client: httpx.Client, simulator: CallSimulator, script: dict[str, dict]) -> None:
    """Post every assignment and what each customer does next, through the webhooks; ids are
    deterministic, so a request repeated after a kill is a re-delivery."""
    for ticket, steps in script.items():
        client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": ticket})
        r = client.get(f"/api/v1/threads/local:{ticket}")
        if r.status_code != 200:
            continue
        detail = r.json()
        replies, emails = detail["replies"], detail["emails"]
        if detail["waiting_for"] == "email_reply" and len(replies) < len(steps.get("replies") or []) and emails:
            n = len(replies)
            client.post("/api/v1/webhooks/inbound_email", json={
                "from": "customer@example.com", "to": [], "subject": f"Re: {emails[-1]['subject']}",
                "text": steps["replies"][n], "message_id": f"<reply-{ticket}-{n + 1}@customer.example.com>",
                "in_reply_to": emails[-1]["message_id"],
            })
        elif detail["waiting_for"] == "call_report":
            body = simulator.play(detail["calls"][-1]["call_id"], call_persona(steps, len(detail["calls"])))
            client.post("/api/v1/webhooks/call_completed", json=body)


def settled(client: httpx.Client, expected: dict[str, tuple]) -> dict[str, tuple]:
    table = {}
    for thread_id in expected:
        r = client.get(f"/api/v1/threads/{thread_id}")
        if r.status_code != 200:
            continue
        d = r.json()
        call = call_result(d["calls"], d["call_analysis"])
        table[thread_id] = (d["path"], len(d["emails"]), call, (d["outcome"] or {}).get("status"), d["waiting_for"])
    return table
