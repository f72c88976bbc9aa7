"""The Concierge graph: a supervisor that routes every step by stage, one node per step.

`graph` (no checkpointer) is what langgraph.json exports for `langgraph dev` and LangGraph Studio;
the app compiles the same builder with its own checkpointer.
"""

from __future__ import annotations

from langgraph.graph import START, StateGraph
from langgraph.types import RetryPolicy

from concierge.agents.booking_confirmation import booking_confirmation
from concierge.agents.booking_record import booking_record
from concierge.agents.call_analyst import call_analyst
from concierge.agents.closer import closer
from concierge.agents.email_writer import email_writer
from concierge.agents.escalation import escalation
from concierge.agents.human_review import human_review
from concierge.agents.intake import intake
from concierge.agents.keep_email import keep_email
from concierge.agents.no_reply import no_reply
from concierge.agents.parse_reply import parse_reply
from concierge.agents.profiler import profiler
from concierge.agents.reopen import reopen
from concierge.agents.retriever import retriever
from concierge.agents.send_email import send_email
from concierge.agents.triage import triage
from concierge.agents.voice_dispatcher import voice_dispatcher
from concierge.agents.wait_for_booking_retry import wait_for_booking_retry
from concierge.agents.wait_for_call import wait_for_call
from concierge.agents.wait_for_reply import wait_for_reply
from concierge.graph.context import Context
from concierge.graph.state import TicketState
from concierge.graph.supervisor import supervisor

# Transient provider errors are retried; a node's side effects are guarded by the effects ledger.
RETRY = RetryPolicy(max_attempts=3, initial_interval=0.5)

STEPS = {
    "intake": intake,
    "triage": triage,
    "profiler": profiler,
    "retriever": retriever,
    "email_writer": email_writer,
    "send_email": send_email,
    "wait_for_reply": wait_for_reply,
    "parse_reply": parse_reply,
    "voice_dispatcher": voice_dispatcher,
    "wait_for_call": wait_for_call,
    "call_analyst": call_analyst,
    "booking_confirmation": booking_confirmation,
    "booking_record": booking_record,
    "wait_for_booking_retry": wait_for_booking_retry,
    "closer": closer,
    "escalation": escalation,
    "human_review": human_review,
    "keep_email": keep_email,
    "reopen": reopen,
    "no_reply": no_reply,
}
WAITING = {"wait_for_reply", "wait_for_call", "wait_for_booking_retry", "human_review"}


def build_graph() -> StateGraph:
    builder = StateGraph(TicketState, context_schema=Context)
    builder.add_node("supervisor", supervisor, destinations=tuple(STEPS))
    for name, node in STEPS.items():
        builder.add_node(name, node, retry_policy=None if name in WAITING else RETRY)
        builder.add_edge(name, "supervisor")
    builder.add_edge(START, "supervisor")
    return builder


graph = build_graph().compile(name="concierge")
