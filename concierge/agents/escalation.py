"""Escalation: the ticket goes to a human with the exact reasons, and the team is pinged.

Each escalation of a thread is numbered, so a thread escalated again after a retry writes again,
while a replayed node finds its writes done and skips them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from langgraph.runtime import Runtime

from concierge.agents.email_writer import write_email
from concierge.agents.outcome import record_outcome
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.graph.waits.decisions import can_reply, review_actions
from concierge.tools.voice.reports import readable_transcript

BOOKING_REF = re.compile(r"\b[A-Z]{2,4}-\d{4,}\b")
ONE_CLICK = ("approve", "retry", "close", "handoff")  # decisions an alert can offer as buttons (a reply needs its text)
SAME_PROBLEM = 0.5  # cosine of MiniLM embeddings above which two tickets are about the same problem


def related_tickets(ticket: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier tickets about the same problem: the same booking reference, or text close in meaning."""
    from concierge.tools.llm.offline.learned import embed

    def text(t: dict[str, Any]) -> str:
        return f"{t.get('subject', '')}\n{t.get('body', '')}".strip()

    if not history:
        return []
    refs = set(BOOKING_REF.findall(text(ticket)))
    vectors = embed([text(ticket), *map(text, history)])
    related = []
    for past, vector in zip(history, vectors[1:], strict=True):
        shared = refs & set(BOOKING_REF.findall(text(past)))
        similarity = float(vectors[0] @ vector)
        if shared or similarity >= SAME_PROBLEM:
            why = f"same booking {', '.join(sorted(shared))}" if shared else f"similar request ({similarity:.2f})"
            related.append({"id": past.get("id"), "subject": past.get("subject", ""), "status": past.get("status", ""),
                            "created_at": str(past.get("created_at", ""))[:10], "why": why})
    return related


def escalation_note(state: TicketState, reasons: list[str], related: list[dict[str, Any]] | None = None) -> str:
    lines = ["Concierge escalated this ticket to a human.", "", "Reasons:"] + [f"- {r}" for r in reasons]
    if related:
        lines += ["", "Earlier tickets about the same problem:"]
        lines += [f"- #{t['id']} ({t['created_at']}, {t['status']}): {t['subject']} — {t['why']}" for t in related]
    degraded = state.get("llm_degraded")
    if degraded:
        lines += ["", f"Judged by the offline engine, not the LLM, in: {', '.join(degraded.get('steps', []))} "
                      f"({'; '.join(degraded.get('reasons', []))}). Check its reading."]
    profile = state.get("profile")
    if profile:
        lines += ["", f"Profile: {profile.get('summary', '')}"]
        lines += [f"- past friction: {f}" for f in profile.get("past_friction") or []]
    analysis = state.get("call_analysis")
    if analysis:
        lines += ["", f"Call: {analysis.get('summary', '')}"]
        transcript = readable_transcript(state.get("call_report") or {})
        if transcript:
            lines += ["", "Transcript:", transcript]
    return "\n".join(lines)


async def escalation(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    info = dict(state.get("escalation") or {})
    reasons = info.get("reasons") or ["Escalated without a recorded reason."]
    number = state.get("escalations", 0) + 1
    ticket = state["ticket"]
    related = info.get("related_tickets")
    if related is None:
        related = await asyncio.to_thread(related_tickets, ticket, state.get("history") or [])
    escalated: TicketState = {**state, "escalation": {**info, "reasons": reasons}}
    await record_outcome(
        services, state, ("escalate", number), note=escalation_note(state, reasons, related), resolution="escalated",
        reason="; ".join(reasons), alert_kind="escalation",
        alert_title=f"Ticket {ticket['id']} needs a human: {ticket['subject']}", alert_fields={"source": info.get("source", "")},
        alert_decisions=[a for a in review_actions(escalated) if a in ONE_CLICK],
    )
    reply_draft = None
    if can_reply(escalated):  # a reply for the person to edit and send, offered with the decision
        written = await write_email(services, escalated, "human_reply")
        reply_draft = {**written.draft.model_dump(), "drafted_by": written.drafted_by}
    return {
        "reply_draft": reply_draft,
        "escalation": {**info, "reasons": reasons, "related_tickets": related},
        "escalations": number,
        "outcome": {"status": "escalated", "summary": "; ".join(reasons)},
        "human_decision": None,
        "stage": "awaiting_human",
        "log": log("escalation", f"escalated to a human: {'; '.join(reasons)}"),
    }
