"""The supervisor: one routing function reads the stage and names the next node.

Routing is deterministic code; LLM steps judge content (triage, profile, call outcome) but never
decide the order of side effects. Every node hands its update to `next_node` and goes where it says
(`Command(goto=...)`), so a step costs one superstep, and each node declares the nodes it can lead
to (`DESTINATIONS`): the drawn graph (LangGraph Studio, `draw_mermaid`) shows the real flow.
"""

from __future__ import annotations

import functools
import inspect
import operator
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from langgraph.graph import END
from langgraph.types import Command

from concierge.graph.state import TicketState, log
from concierge.graph.waits.decisions import retry_route
from concierge.graph.waits.updates import email_fields, resumed_by

# Every node, named once, and where it can lead, as the README's diagram draws it (a person's decision
# adds its own arrows; a wait that refuses a decision asks again: the arrow back to itself). The
# builder adds a node for each name, from the function of that name.
DESTINATIONS: dict[str, tuple[str, ...]] = {
    "intake": ("triage",),
    "triage": ("retriever", "escalation"),
    "retriever": ("email_writer", "escalation"),
    "email_writer": ("send_email", "review_draft"),  # in approval mode the draft waits for an operator first
    "review_draft": ("send_email", "escalation"),  # approved or edited: sent; rejected: a person takes the case
    "send_email": ("wait_for_reply", "closer", "record_decision", "booking_record", "escalation"),
    # a reply, a reminder due (or the second one unanswered), or a person who replies, closes or hands off
    "wait_for_reply": ("parse_reply", "email_writer", "no_reply", "escalation", "send_email", "closer", "wait_for_reply"),
    "parse_reply": ("voice_dispatcher", "email_writer", "booking_confirmation", "closer", "escalation"),
    # a person may close or hand off while the call waits; an email meanwhile is kept
    "voice_dispatcher": ("wait_for_call", "closer", "voice_dispatcher", "keep_email", "email_writer", "escalation"),
    "wait_for_call": ("call_analyst", "closer", "wait_for_call", "keep_email"),
    # booked: confirmed in writing; no answer: called again, or followed up by email (NO_ANSWER_POLICY)
    "call_analyst": ("booking_confirmation", "closer", "escalation", "voice_dispatcher", "email_writer"),
    "booking_confirmation": ("send_email", "review_draft", "escalation"),
    "booking_record": ("closer", "wait_for_booking_retry"),  # acknowledged, or tried again on a durable timer
    "wait_for_booking_retry": ("booking_record", "closer", "wait_for_booking_retry"),
    "escalation": ("human_review",),
    "human_review": ("closer", "send_email", "record_decision", "human_review", "keep_email"),
    "record_decision": ("voice_dispatcher", "email_writer", "wait_for_reply", "closer"),
    # back to the wait the email arrived in (the calling-hours wait is the dispatcher's, whatever led there)
    "keep_email": ("wait_for_reply", "wait_for_call", "voice_dispatcher", "human_review", "record_decision", "email_writer"),
    "reopen": ("triage", END),  # a new request is triaged again; a thank-you ends there
    "no_reply": ("closer", "escalation"),
    "closer": (END,),
}


# Steps whose failure cannot be handed to a person through the graph (they are how it is handed over).
HANDOVER_STEPS = frozenset({"escalation", "closer", "human_review"})


ENTRIES = ("intake", "reopen")


def entry(state: TicketState) -> str:
    """Where a run starts (one of ENTRIES): a new ticket at intake; a done ticket the customer writes
    to again at reopen."""
    return "reopen" if state.get("stage") == "reopened" else "intake"


def reopened(email: dict[str, Any]) -> Command:
    """Take a done thread up again on the customer's new email (kept on the thread, read by reopen)."""
    return Command(goto="reopen", update={"stage": "reopened", "kept_emails": [{**email_fields(email), "while": "done"}],
                                          **resumed_by(email)})


def handed_over(step: str, error: str) -> Command:
    """Send a thread whose `step` failed for good to a person, with the error as the reason."""
    reason = f"Concierge could not finish the step “{step}”: {error}"
    return Command(goto="escalation", update={"stage": "escalating", "escalation": {"reasons": [reason], "source": "error"},
                                              "log": log(step, f"failed: {error}")})


def _decided(state: TicketState) -> str:
    """Where a person's decision leads."""
    decision = state.get("human_decision") or {}
    match decision.get("action"):
        case "reply":
            return "send_email"  # the person's email goes out through the normal send path
        case "retry":
            return "record_decision"
    return "closer"


def next_node(state: TicketState) -> str:
    stage, path = state.get("stage", "new"), state.get("path")
    match stage:
        case "new":
            return "intake"
        case "received" | "triaged":  # "triaged": a thread checkpointed before triage also profiled
            return "triage"
        case "profiled":
            return "escalation" if path == "escalate" else "retriever"
        case "retrieved":
            return "email_writer"
        case "drafted":  # in approval mode the draft waits for an operator first
            return "review_draft" if (state.get("draft") or {}).get("review") else "send_email"
        case "draft_approved":
            return "send_email"
        case "email_sent":
            last = (state.get("emails") or [{}])[-1]
            if last.get("kind") == "human_reply":
                return "record_decision"
            if last.get("kind") == "booking_confirmation":
                return "booking_record"
            return "closer" if path == "support" else "wait_for_reply"
        case "reply_received":
            return "parse_reply"
        case "reply_overdue":  # one reminder per unanswered email; a reminder left unanswered too is the end
            return "no_reply" if (state.get("emails") or [{}])[-1].get("kind") == "reminder" else "email_writer"
        case "unanswered":
            return "closer"
        case "email_kept":
            return "keep_email"
        case "reopened":
            return "reopen"
        case "phone_found":
            return "voice_dispatcher"
        case "phone_missing" | "email_only":
            return "email_writer"
        case "booked_by_email":
            return "booking_confirmation"
        case "call_placed":
            return "wait_for_call"
        case "call_reported":
            return "call_analyst"
        case "call_unanswered":
            return "voice_dispatcher"
        case "call_unreached":
            return "email_writer"
        case "booked_on_call":
            return "booking_confirmation"
        case "booking_retrying":
            return "wait_for_booking_retry"
        case "booking_retry_due":
            return "booking_record"
        case "escalating":
            return "escalation"
        case "awaiting_human":
            return "human_review"
        case "human_decided":
            return _decided(state)
        case "decision_recorded":
            decision = state.get("human_decision") or {}
            if decision.get("action") == "reply":
                return "closer" if decision.get("then") == "close" else "wait_for_reply"
            return "voice_dispatcher" if retry_route(state) == "call" else "email_writer"
        case "closing":
            return "closer"
        case "done":
            return END
    raise ValueError(f"unknown stage {stage!r}")


def supervisor(state: TicketState) -> Command:
    """The routing decision for a state, as a command (what every node returns after its update)."""
    return Command(goto=next_node(state))


def _appended() -> frozenset[str]:
    """State keys whose updates are appended (`operator.add` reducers), not replaced."""
    hints = get_type_hints(TicketState, include_extras=True)
    return frozenset(k for k, t in hints.items() if get_origin(t) is Annotated and operator.add in get_args(t)[1:])


APPENDED = _appended()


def after(state: TicketState, update: dict[str, Any]) -> TicketState:
    """The state as it stands once `update` is applied (what the next step will see)."""
    merged = dict(state)
    for key, value in update.items():
        merged[key] = (merged.get(key) or []) + value if key in APPENDED else value
    return merged  # type: ignore[return-value]


def routed(name: str, node: Callable[..., Any]) -> Callable[..., Any]:
    """`node` returning `Command(update=<its update>, goto=next_node(state after it))`."""
    allowed = DESTINATIONS[name]

    def command(state: TicketState, update: dict[str, Any] | Command) -> Command:
        if isinstance(update, Command):  # a waiting node that asks again names itself
            goto, update = update.goto, update.update or {}
        else:
            goto = next_node(after(state, update))
        if goto not in allowed:  # a route the drawing does not show is a bug: fail loudly
            raise RuntimeError(f"{name} routed to {goto!r}, not among its declared destinations {allowed}")
        return Command(update=update, goto=goto)

    if inspect.iscoroutinefunction(node):
        @functools.wraps(node)
        async def step(state: TicketState, runtime) -> Command:
            return command(state, await node(state, runtime))
    else:
        @functools.wraps(node)
        def step(state: TicketState) -> Command:  # the waiting nodes: only an interrupt
            return command(state, node(state))
    step.__annotations__ = {**getattr(step, "__annotations__", {}), "return": Command}
    return step
