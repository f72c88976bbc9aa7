"""What the console shows, read from each thread's checkpointed state: inbox rows grouped by who
must act next, and the whole thread for one page. Unlike the API, nothing is masked here: the
console is only shown to a logged-in operator."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from langgraph.types import StateSnapshot
from pydantic import BaseModel, Field

from concierge.runtime.process import AppRuntime
from concierge.runtime.runner import current_wait
from concierge.schemas import ThreadId

# Inbox groups, in the order they are listed.
NEEDS_PERSON, NEEDS_CUSTOMER, RUNNING, DONE = "needs a person", "waits for the customer", "in progress", "done"
GROUPS = (NEEDS_PERSON, NEEDS_CUSTOMER, RUNNING, DONE)
PERSON_WAITS = {"human": 0, "draft_review": 1}  # escalated first, then drafts awaiting approval

# What each decision does, shown beside its button. A decision the graph offers that is not listed
# here is still offered, with a generic line.
ACTION_EFFECTS = {
    "approve": "Accept the AI's handling: a note on the ticket, the ticket resolved, the team alerted.",
    "retry": "The AI tries again: a new call when a phone number is known, otherwise a new offer email.",
    "close": "Close the ticket without a booking; the AI stops.",
    "handoff": "A person takes over: the ticket goes to the human queue, the AI stops.",
    "reply": "Your email goes to the customer in the same email thread.",
}
REVIEW_EFFECTS = {
    "approve": "Send the draft exactly as written.",
    "edit": "Send your edited version instead of the draft.",
    "reject": "Send nothing: the ticket goes to a person with your note as the reason.",
}


@dataclass
class Row:
    thread_id: str
    helpdesk: str
    ticket_id: str
    customer: str
    customer_email: str
    subject: str
    stage: str
    path: str
    waiting_for: str | None
    outcome: str
    group: str
    rank: int
    created: str
    reason: str = ""


def _group(values: dict[str, Any], waiting: str | None) -> tuple[str, int]:
    if waiting in PERSON_WAITS:
        return NEEDS_PERSON, PERSON_WAITS[waiting]
    if waiting is not None:
        return NEEDS_CUSTOMER, 0
    return (DONE, 0) if values.get("stage") == "done" else (RUNNING, 0)


def row(thread_id: str, snapshot: StateSnapshot | None) -> Row:
    values = snapshot.values if snapshot else {}
    wait = current_wait(snapshot)
    waiting = (wait.value or {}).get("waiting_for") if wait else None
    ticket = values.get("ticket") or {}
    customer = ticket.get("customer") or {}
    log = values.get("log") or []
    group, rank = _group(values, waiting)
    reasons = (values.get("escalation") or {}).get("reasons") or []
    helpdesk, ticket_id = ThreadId.parse(thread_id)
    return Row(
        thread_id=thread_id, helpdesk=helpdesk, ticket_id=ticket_id, customer=customer.get("name", ""),
        customer_email=customer.get("email", ""), subject=ticket.get("subject", ""), stage=values.get("stage", ""),
        path=values.get("path") or "", waiting_for=waiting, outcome=(values.get("outcome") or {}).get("status", ""),
        group=group, rank=rank, created=(log[0]["at"] if log else "")[:10],
        reason=reasons[0] if reasons and waiting == "human" else "",
    )


class InboxFilter(BaseModel):
    stage: str = Field("", max_length=40)
    outcome: str = Field("", max_length=40)
    helpdesk: str = Field("", max_length=40)
    since: str = Field("", max_length=10)  # YYYY-MM-DD, on the day the thread started
    until: str = Field("", max_length=10)
    customer: str = Field("", max_length=200)  # part of the customer's name or email address

    def keeps(self, r: Row) -> bool:
        wanted = self.customer.strip().lower()
        return ((not self.stage or r.stage == self.stage) and (not self.outcome or r.outcome == self.outcome)
                and (not self.helpdesk or r.helpdesk == self.helpdesk)
                and (not self.since or r.created >= _day(self.since)) and (not self.until or r.created <= _day(self.until))
                and (not wanted or wanted in r.customer.lower() or wanted in r.customer_email.lower()))


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return text  # compared as given: a malformed date simply matches nothing sensible


async def all_rows(runtime: AppRuntime) -> list[Row]:
    rows = [row(t, await runtime.runner.snapshot(t)) for t in await runtime.services.store.thread_ids()]
    return sorted(rows, key=lambda r: (GROUPS.index(r.group), r.rank, r.created, r.thread_id))


@dataclass
class RenderedEmail:
    record: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    html: str = ""


def rendered_emails(records: list[dict[str, Any]], outbox: Path) -> list[RenderedEmail]:
    """Each sent email as it went out (the outbox's .eml when the outbox sends), else as recorded."""
    out = []
    for record in records:
        shown = RenderedEmail(record, text=record.get("body", ""))
        name = (record.get("message_id") or "").strip("<>").split("@")[0]
        path = outbox / f"{name}.eml"
        if name and path.is_file():
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            shown.headers = {h: str(msg[h]) for h in ("From", "To", "Subject", "Date", "Reply-To", "In-Reply-To") if msg[h]}
            plain, html = msg.get_body(("plain",)), msg.get_body(("html",))
            shown.text = plain.get_content() if plain else shown.text
            shown.html = html.get_content() if html else ""
        out.append(shown)
    return out


def ticket_link(runtime: AppRuntime, ticket_id: str) -> str | None:
    template = runtime.settings.helpdesk_ticket_url
    return template.format(ticket_id=ticket_id) if template else None


async def helpdesk_view(runtime: AppRuntime, ticket_id: str) -> dict[str, Any]:
    """The ticket as the helpdesk has it now (status, assignee, notes where the helpdesk lists them)."""
    helpdesk = runtime.services.helpdesk
    try:
        ticket = await helpdesk.get_ticket(ticket_id)
    except Exception as exc:  # the page still shows the thread when the helpdesk is unreachable
        return {"error": f"{type(exc).__name__}: {exc}"}
    notes = await helpdesk.notes(ticket_id) if hasattr(helpdesk, "notes") else None
    return {"status": ticket.status, "assignee": ticket.assignee, "notes": notes}


def decisions(wait_value: dict[str, Any]) -> list[dict[str, str]]:
    """The decisions the waiting interrupt offers, each with what it will do."""
    effects = REVIEW_EFFECTS if wait_value.get("waiting_for") == "draft_review" else ACTION_EFFECTS
    described = wait_value.get("descriptions") or {}
    # Concierge's own list, or LangChain's human-in-the-loop request shape (review_configs' allowed_decisions).
    actions = wait_value.get("actions") or [d for config in wait_value.get("review_configs") or []
                                             for d in config.get("allowed_decisions") or []]
    return [{"action": a, "effect": described.get(a) or effects.get(a) or f"Resume the thread with “{a}”."}
            for a in dict.fromkeys(actions)]
