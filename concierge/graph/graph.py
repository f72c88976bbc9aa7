"""The Concierge graph: one node per step, each routed by the supervisor's one routing function.

Every node returns `Command(goto=...)` to the node `next_node` names and declares the nodes it can
lead to, so the drawn graph (Studio, `draw_mermaid`) shows the flow of the README's diagram. The
graph takes a ticket (`{"helpdesk", "ticket_id"}`) as its input.

`graph` (no checkpointer) is what langgraph.json exports for `langgraph dev` and LangGraph Studio;
the app compiles the same builder with its own checkpointer.
"""

from __future__ import annotations

from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict
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
from concierge.agents.reopen import reopen
from concierge.agents.record_decision import record_decision
from concierge.agents.retriever import retriever
from concierge.agents.review_draft import review_draft
from concierge.agents.send_email import send_email
from concierge.agents.triage import triage
from concierge.agents.voice_dispatcher import voice_dispatcher
from concierge.agents.wait_for_booking_retry import wait_for_booking_retry
from concierge.agents.wait_for_call import wait_for_call
from concierge.agents.wait_for_reply import wait_for_reply
from concierge.graph.context import Context
from concierge.graph.metered import metered
from concierge.graph.state import TicketState
from concierge.graph.supervisor import DESTINATIONS, routed

# Transient provider errors are retried; a node's side effects are guarded by the effects ledger.
RETRY = RetryPolicy(max_attempts=3, initial_interval=0.5)

STEPS = {
    "intake": intake,
    "triage": triage,
    "retriever": retriever,
    "email_writer": email_writer,
    "review_draft": review_draft,
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
    "record_decision": record_decision,
}
WAITING = {"review_draft", "wait_for_reply", "wait_for_call", "wait_for_booking_retry", "human_review"}
LLM_STEPS = {"triage", "email_writer", "parse_reply", "call_analyst"}


class TicketInput(TypedDict):
    """What starts a thread: a ticket of the configured helpdesk (Studio asks for these two)."""

    helpdesk: str  # local, hubspot, zendesk, jira or zoho: the configured one
    ticket_id: str


def _entry(state: TicketState) -> str:
    return "reopen" if state.get("stage") == "reopened" else "intake"


def build_graph() -> StateGraph:
    builder = StateGraph(TicketState, input_schema=TicketInput, context_schema=Context)
    for name, node in STEPS.items():
        step = metered(name, node) if name in LLM_STEPS else node
        builder.add_node(name, routed(name, step), destinations=DESTINATIONS[name],
                         retry_policy=None if name in WAITING else RETRY)
    # A new ticket starts at intake; a done ticket the customer writes to again starts at reopen.
    builder.add_conditional_edges(START, _entry, ["intake", "reopen"])
    return builder


def ticket_input(thread_id: str) -> TicketInput:
    """The input that starts the thread `helpdesk:ticket_id`."""
    helpdesk, _, ticket_id = thread_id.partition(":")
    return {"helpdesk": helpdesk, "ticket_id": ticket_id}


graph = build_graph().compile(name="concierge")
