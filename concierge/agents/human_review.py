"""Human review: the thread waits here for an operator's decision (approve, retry, close, handoff).
Holds only the interrupt; what the decision implies happens in the nodes after it."""

from __future__ import annotations

from langgraph.types import interrupt

from concierge.agents.waiting import CUSTOMER_EMAIL, HUMAN_ACTIONS, human_decision_update, keep_email_update
from concierge.graph.state import TicketState


def human_review(state: TicketState) -> dict:
    escalation = state.get("escalation") or {}
    value = interrupt({
        "waiting_for": "human",
        "accepts": ["human", CUSTOMER_EMAIL],
        "thread_id": state["thread_id"],
        "reasons": escalation.get("reasons", []),
        "actions": list(HUMAN_ACTIONS),
    })
    if value.get("type") == CUSTOMER_EMAIL:  # the person deciding is told about it by keep_email
        return keep_email_update("human_review", value, while_="human", return_to="awaiting_human")
    return human_decision_update("human_review", value)
