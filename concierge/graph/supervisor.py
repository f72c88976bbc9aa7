"""The supervisor: reads the stage and sends the thread to the next node.

Routing is deterministic code; LLM steps judge content (triage, profile, call outcome) but never
decide the order of side effects.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END
from langgraph.types import Command

from concierge.graph.state import TicketState

Next = Literal[
    "intake", "triage", "profiler", "retriever", "email_writer", "send_email", "wait_for_reply", "parse_reply",
    "voice_dispatcher", "wait_for_call", "call_analyst", "booking_confirmation", "booking_record",
    "wait_for_booking_retry", "closer", "escalation", "human_review", "keep_email", "reopen", "no_reply", "__end__",
]


def next_node(state: TicketState) -> str:
    stage, path = state.get("stage", "new"), state.get("path")
    match stage:
        case "new":
            return "intake"
        case "received":
            return "triage"
        case "triaged":
            return "profiler" if path in ("booking", "escalate") else "retriever"
        case "profiled":
            return "escalation" if path == "escalate" else "retriever"
        case "retrieved":
            return "email_writer"
        case "drafted":
            return "send_email"
        case "email_sent":
            if path == "support":
                return "closer"
            last = (state.get("emails") or [{}])[-1]
            return "booking_record" if last.get("kind") == "booking_confirmation" else "wait_for_reply"
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
            action = (state.get("human_decision") or {}).get("action")
            if action == "retry":
                return "voice_dispatcher" if state.get("phone") and state.get("contact_by") != "email" else "email_writer"
            return "closer"
        case "closing":
            return "closer"
        case "done":
            return END
    raise ValueError(f"unknown stage {stage!r}")


def supervisor(state: TicketState) -> Command[Next]:
    return Command(goto=next_node(state))
