"""The Concierge graph: one node per step, each routed by the supervisor's one routing function.

Every node returns `Command(goto=...)` to the node `next_node` names and declares the nodes it can
lead to, so the drawn graph (Studio, `draw_mermaid`) shows the flow of the README's diagram. The
graph takes a ticket (`{"helpdesk", "ticket_id"}`) as its input. Node names live in one place, the
supervisor's `DESTINATIONS`.

`graph` (no checkpointer) is what langgraph.json exports for `langgraph dev` and LangGraph Studio;
the app compiles the same builder with its own checkpointer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.graph import START, StateGraph
from langgraph.types import RetryPolicy
from typing_extensions import TypedDict

from concierge.agents.booking_confirmation import booking_confirmation
from concierge.agents.booking_record import booking_record
from concierge.agents.call_analyst import call_analyst
from concierge.agents.closer import closer
from concierge.agents.email_writer import email_writer
from concierge.agents.escalation import escalation
from concierge.agents.intake import intake
from concierge.agents.keep_email import keep_email
from concierge.agents.no_reply import no_reply
from concierge.agents.parse_reply import parse_reply
from concierge.agents.record_decision import record_decision
from concierge.agents.reopen import reopen
from concierge.agents.retriever import retriever
from concierge.agents.send_email import send_email
from concierge.agents.triage import triage
from concierge.agents.voice_dispatcher import voice_dispatcher
from concierge.graph import waits
from concierge.graph.context import Context
from concierge.graph.metered import metered
from concierge.graph.state import TicketState
from concierge.graph.supervisor import DESTINATIONS, ENTRIES, entry, routed
from concierge.graph.waits.human_review import human_review
from concierge.graph.waits.review_draft import review_draft
from concierge.graph.waits.wait_for_booking_retry import wait_for_booking_retry
from concierge.graph.waits.wait_for_call import wait_for_call
from concierge.graph.waits.wait_for_reply import wait_for_reply
from concierge.schemas import ThreadId

# Transient provider errors are retried; a node's side effects are guarded by the effects ledger.
RETRY = RetryPolicy(max_attempts=3, initial_interval=0.5)

# Every node, in the order Studio lists them; each is named for its function (the supervisor's
# DESTINATIONS names every one). The waits (graph/waits/) hold only an interrupt and are never retried.
NODES: tuple[Callable[..., Any], ...] = (
    intake, triage, retriever, email_writer, review_draft, send_email, wait_for_reply, parse_reply, voice_dispatcher,
    wait_for_call, call_analyst, booking_confirmation, booking_record, wait_for_booking_retry, closer, escalation,
    human_review, keep_email, reopen, no_reply, record_decision)
LLM_STEPS = (triage, email_writer, parse_reply, call_analyst)  # run under the LLM meter (usage, budget, breaker)


class TicketInput(TypedDict):
    """What starts a thread: a ticket of the configured helpdesk (Studio asks for these two)."""

    helpdesk: str  # local, hubspot, zendesk, jira or zoho: the configured one
    ticket_id: str


def is_wait(node: Callable[..., Any]) -> bool:
    return node.__module__.startswith(f"{waits.__name__}.")


def build_graph() -> StateGraph[TicketState, Context, TicketInput, TicketState]:
    names = [node.__name__ for node in NODES]
    if sorted(names) != sorted(DESTINATIONS):
        raise RuntimeError(f"the nodes {sorted(set(names) ^ set(DESTINATIONS))} are not both built and routed")
    builder = StateGraph(TicketState, input_schema=TicketInput, context_schema=Context)
    for name, node in zip(names, NODES, strict=True):
        step = metered(name, node) if node in LLM_STEPS else node
        builder.add_node(name, routed(name, step), destinations=DESTINATIONS[name], retry_policy=None if is_wait(node) else RETRY)
    builder.add_conditional_edges(START, entry, list(ENTRIES))
    return builder


def ticket_input(thread_id: str) -> TicketInput:
    """The input that starts the thread `helpdesk:ticket_id`."""
    helpdesk, ticket_id = ThreadId.parse(thread_id)
    return {"helpdesk": helpdesk, "ticket_id": ticket_id}


graph = build_graph().compile(name="concierge")
