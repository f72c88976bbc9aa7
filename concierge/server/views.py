"""How a thread looks to operators (API, CLI): built from its checkpointed state."""

from __future__ import annotations

from langgraph.types import StateSnapshot

from concierge.privacy import mask_email, mask_personal, mask_phone
from concierge.server.runner import waiting_for
from concierge.server.schemas import ThreadDetail, ThreadSummary


def thread_summary(thread_id: str, snapshot: StateSnapshot | None) -> ThreadSummary:
    values = snapshot.values if snapshot else {}
    ticket = values.get("ticket") or {}
    return ThreadSummary(
        thread_id=thread_id,
        ticket_id=ticket.get("id"),
        customer=(ticket.get("customer") or {}).get("name"),
        subject=ticket.get("subject"),
        path=values.get("path"),
        stage=values.get("stage"),
        waiting_for=waiting_for(snapshot),
        outcome=values.get("outcome"),
    )


def calls_with_results(values: dict) -> list[dict]:
    """Every call placed, with how it ended, how long it lasted and what the provider charged."""
    results = {r.get("call_id"): r for r in values.get("call_results") or []}
    return [{**c, "to": mask_phone(c.get("to")),
             **{k: results.get(c.get("call_id"), {}).get(k) for k in ("ended_reason", "duration_s", "cost", "transferred_to")}}
            for c in values.get("calls") or []]


def thread_detail(thread_id: str, snapshot: StateSnapshot | None, events: list[dict]) -> ThreadDetail:
    """The thread for the API and CLI: every email address and phone number in it masked, free
    text included (a reply quoting the customer's number, a reason quoting the reply)."""
    values = snapshot.values if snapshot else {}
    detail = ThreadDetail(
        **thread_summary(thread_id, snapshot).model_dump(),
        escalation=values.get("escalation"),
        escalations=values.get("escalations", 0),
        profile=values.get("profile"),
        offers=values.get("offers") or [],
        emails=[{**e, "to": mask_email(e.get("to", ""))} for e in values.get("emails") or []],
        replies=[{**r, "from": mask_email(r.get("from") or "")} for r in values.get("replies") or []],
        kept_emails=[{**r, "from": mask_email(r.get("from") or "")} for r in values.get("kept_emails") or []],
        call_at=values.get("call_at"),
        calls=calls_with_results(values),
        booking=values.get("booking"),
        call_seconds=sum(r.get("duration_s") or 0 for r in values.get("call_results") or []),
        call_cost=round(sum(r.get("cost") or 0 for r in values.get("call_results") or []), 4),
        call_analysis=values.get("call_analysis"),
        human_decision=values.get("human_decision"),
        log=values.get("log") or [],
        events=events,
    )
    return ThreadDetail.model_validate(mask_personal(detail.model_dump(), keep=_NOT_PERSONAL))


# Fields that hold no personal data but digits that look like it (prices, times, provider ids).
_NOT_PERSONAL = frozenset({"at", "received_at", "sent_at", "placed_at", "not_before", "message_id", "price_per_night", "call_at",
                           "booked_at", "acknowledged_at", "retry_at", "check_in", "check_out", "reference", "idempotency_key"})
