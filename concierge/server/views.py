"""How a thread looks to operators (API, CLI): built from its checkpointed state."""

from __future__ import annotations

from langgraph.types import StateSnapshot

from concierge.privacy import mask_email, mask_personal, mask_phone
from concierge.runtime.runner import current_wait, waiting_for
from concierge.server.schemas import ThreadDetail, ThreadSummary
from concierge.tools.llm.usage import add_usage


def thread_summary(thread_id: str, snapshot: StateSnapshot | None) -> ThreadSummary:
    """One line of the thread list, personal data masked (a subject or an outcome may quote a number)."""
    values = snapshot.values if snapshot else {}
    ticket = values.get("ticket") or {}
    wait = current_wait(snapshot)
    summary = ThreadSummary(
        thread_id=thread_id,
        ticket_id=ticket.get("id"),
        customer=(ticket.get("customer") or {}).get("name"),
        subject=ticket.get("subject"),
        path=values.get("path"),
        stage=values.get("stage"),
        waiting_for=waiting_for(snapshot),
        actions=(wait.value or {}).get("actions") or [] if wait else [],
        outcome=values.get("outcome"),
    )
    return ThreadSummary.model_validate(mask_personal(summary.model_dump(), keep=_NOT_PERSONAL))


def review(snapshot: StateSnapshot | None) -> dict | None:
    """What a person is asked to decide: the drafted reply and the human-in-the-loop request."""
    wait = current_wait(snapshot)
    value = (wait.value or {}) if wait else {}
    shown = {k: value[k] for k in ("reasons", "draft", "action_requests", "review_configs") if k in value}
    return shown or None


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
        review=review(snapshot),
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
        llm_usage=add_usage(values.get("llm_usage"), None),
        llm_degraded=values.get("llm_degraded"),
        guard_notes=values.get("guard_notes") or [],
        draft=values.get("draft"),
        reviews=values.get("reviews") or [],
        log=values.get("log") or [],
        events=events,
    )
    return ThreadDetail.model_validate(mask_personal(detail.model_dump(), keep=_NOT_PERSONAL))


# Fields that hold no personal data but digits that look like it (prices, times, provider ids, names of decisions).
_NOT_PERSONAL = frozenset({"at", "received_at", "sent_at", "placed_at", "not_before", "message_id", "price_per_night", "call_at",
                           "actions", "allowed_decisions", "action_name", "waiting_for", "stage", "path",
                           "booked_at", "acknowledged_at", "retry_at", "check_in", "check_out", "reference", "idempotency_key"})
