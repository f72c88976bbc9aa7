"""The state of one ticket's thread.

Everything here is plain JSON (dicts, lists, strings) so checkpoints round-trip through any
serializer unchanged; the pydantic schemas in `concierge.schemas` validate it at the edges.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

from langgraph.config import get_config
from typing_extensions import TypedDict

from concierge.tools.llm.usage import add_usage

Stage = Literal[
    "new",  # ticket received, nothing loaded yet
    "received",  # ticket and customer history loaded
    "triaged",  # path chosen, no profile yet (threads of earlier versions; read again)
    "profiled",  # path chosen and customer profile built, in one reading
    "retrieved",  # inventory or policy matches found
    "drafted",  # an email is drafted, not sent
    "draft_approved",  # an operator approved (or edited) the draft in approval mode
    "email_sent",  # the email went out
    "reply_received",  # reply arrived, not yet read
    "phone_found",  # a usable phone number is known
    "phone_missing",  # the reply had no usable number (or several: which one?)
    "email_only",  # the customer will not take a call: confirm the chosen offer by email
    "booked_by_email",  # the customer confirmed the booking by email
    "reply_overdue",  # no answer to our last email in REMINDER_AFTER: remind, or apply NO_REPLY_POLICY
    "email_kept",  # a customer email arrived while the thread waited for something else: note it, wait on
    "reopened",  # a customer email arrived after the ticket was done
    "call_placed",  # the voice provider is dialing
    "call_reported",  # the call report arrived
    "call_unanswered",  # no answer, busy or voicemail: call again later
    "call_unreached",  # the last attempt went unanswered too: follow-up email (NO_ANSWER_POLICY=email)
    "booked_on_call",  # the call booked a stay: confirm it to the customer, then to the booking system (so is booked_by_email)
    "booking_retrying",  # the booking system did not acknowledge the record: a timer delivers it again
    "booking_retry_due",  # that timer fired: deliver the record again
    "unanswered",  # no reply to an email nor to its reminder, and NO_REPLY_POLICY=close
    "escalating",  # a human must look at it
    "awaiting_human",  # waiting for a human decision
    "human_decided",  # a human answered
    "decision_recorded",  # the person's decision (and note) is on the helpdesk ticket
    "closing",  # final CRM writes pending
    "done",  # nothing left to do
]

Path = Literal["booking", "support", "escalate"]


class TicketState(TypedDict, total=False):
    helpdesk: str  # the input: which helpdesk's ticket (see graph.TicketInput)
    ticket_id: str
    thread_id: str
    stage: Stage
    path: Path

    ticket: dict[str, Any]  # concierge.schemas.Ticket
    history: list[dict[str, Any]]  # earlier tickets of the same customer

    triage: dict[str, Any]  # concierge.schemas.TriageDecision
    profile: dict[str, Any]  # concierge.schemas.CustomerProfile
    offers: list[dict[str, Any]]  # inventory matches (concierge.schemas.Offer)
    policies: list[dict[str, Any]]  # policy passages for a support answer

    draft: dict[str, Any] | None  # email ready to send (concierge.schemas.EmailDraft + kind)
    reviews: Annotated[list[dict[str, Any]], operator.add]  # operators' decisions on drafts (approval mode)
    emails: Annotated[list[dict[str, Any]], operator.add]  # every email sent, in order
    replies: Annotated[list[dict[str, Any]], operator.add]  # every customer reply, in order
    phone: str | None  # E.164
    phone_misses: int
    phone_details: dict[str, Any] | None  # {"e164", "type": mobile|fixed_line|..., "region", "consent": {"message_id", "at", "text"}}
    phone_choices: list[str]  # several numbers in one reply: the ones to ask about
    contact_by: Literal["phone", "email"]  # "email": the customer declined a call
    chosen_offer: dict[str, Any] | None  # the offer confirmed (or to confirm) by email
    # When the customer asked to be called ("after 6pm", "Thursday at 10"): ISO 8601 in the customer's
    # time zone (from the number), e.g. "2026-11-26T10:00:00+00:00"; the dialler waits for it.
    call_at: str | None
    # Customer emails that answered no wait (sent while a call or a person was pending, or after the
    # ticket was done), each {from, subject, text, message_id, received_at, while}; kept and noted.
    kept_emails: Annotated[list[dict[str, Any]], operator.add]
    return_to: str | None  # the stage to go back to once a kept email is noted
    reopened: int  # how many times a new email reopened the finished ticket
    request: dict[str, Any] | None  # {"subject", "body"} of the email that reopened it: what triage reads

    calls: Annotated[list[dict[str, Any]], operator.add]  # every call placed
    call_report: dict[str, Any] | None  # provider end-of-call report, normalised
    call_analysis: dict[str, Any] | None  # concierge.schemas.CallAnalysis
    call_results: Annotated[list[dict[str, Any]], operator.add]  # per ended call: call_id, ended_reason, duration_s, cost
    booking: dict[str, Any] | None  # what was booked, on a call or by email (concierge.tools.booking.BookingRecord)

    escalation: dict[str, Any] | None  # {"reasons": [...], "source": "..."}
    escalations: int  # how many times this thread was escalated
    human_decision: dict[str, Any] | None  # {"action", "note", "by"} (+ "subject", "body", "then" for a reply)
    human_decisions: int  # how many decisions people took on this thread (numbers their helpdesk notes)
    reply_draft: dict[str, Any] | None  # {"subject", "body"}: a reply the AI drafted for the person to edit and send
    outcome: dict[str, Any] | None  # {"status": resolved|escalated|closed|handed_off, "summary": ...}

    llm_usage: Annotated[dict[str, Any], add_usage]  # LLM calls, tokens and dollars so far (each step adds its own)
    llm_degraded: dict[str, Any] | None  # {"reasons", "steps"}: steps the offline engine judged because the LLM could not
    guard_notes: Annotated[list[dict[str, Any]], operator.add]  # {"step", "reasons"}: model answers a guard overruled
    llm_budget_exceeded: bool  # the ticket reached LLM_BUDGET_PER_TICKET and went to a person

    log: Annotated[list[dict[str, Any]], operator.add]  # timeline of what happened, for operators
    resumed_by: Annotated[list[str], operator.add]  # ids of the events that answered the thread's waits


def log(node: str, text: str) -> list[dict[str, Any]]:
    """One timeline entry, as the `log` update of a node."""
    from datetime import UTC, datetime

    return [{"at": datetime.now(UTC).isoformat(timespec="seconds"), "node": node, "text": text}]


def effects_scope(state: TicketState) -> str:
    """Whose effects these are: the ticket's thread, the run's own thread id in the app. A run on
    another thread of the same ticket (each LangGraph Studio thread has an id of its own) keys its
    effects by that thread too, so it never finds a first thread's email or alert done and skips its own."""
    ticket_thread = state["thread_id"]
    try:
        run_thread = (get_config().get("configurable") or {}).get("thread_id")
    except RuntimeError:  # called outside a run
        return ticket_thread
    return ticket_thread if not run_thread or str(run_thread) == ticket_thread else f"{ticket_thread}@{run_thread}"


def effect_key(state: TicketState, *parts: object) -> str:
    """Idempotency key of a side effect: the thread plus the step (and its attempt number)."""
    return ":".join([effects_scope(state), *map(str, parts)])
