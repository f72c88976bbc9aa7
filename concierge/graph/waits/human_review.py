"""Human review: the thread waits here for an operator's decision. Holds only the interrupt; what the
decision implies happens in the nodes after it.

The payload says why (the reasons), which decisions fit this case (`actions`), a reply the AI drafted
for the person to edit (`draft`), and the same in LangChain's human-in-the-loop request shape
(`action_requests`, `review_configs`), so LangGraph Studio and Agent Chat UI can show and answer it.
"""

from __future__ import annotations

from langgraph.types import Command, interrupt

from concierge.graph.state import TicketState
from concierge.graph.waits.decisions import review_actions, review_request
from concierge.graph.waits.updates import CUSTOMER_EMAIL, human_decision_update, keep_email_update, or_ask_again


def human_review(state: TicketState) -> dict | Command:
    escalation = state.get("escalation") or {}
    actions = review_actions(state)
    hitl = review_request(state, actions)
    payload = {
        "waiting_for": "human",
        "accepts": ["human", CUSTOMER_EMAIL],
        "thread_id": state["thread_id"],
        "reasons": escalation.get("reasons", []),
        "actions": actions,
        **hitl,
    }
    if "reply" in actions and state.get("reply_draft"):
        payload["draft"] = state["reply_draft"]
    value = interrupt(payload)
    if value.get("type") == CUSTOMER_EMAIL:  # the person deciding is told about it by keep_email
        return keep_email_update("human_review", value, while_="human", return_to="awaiting_human")
    return or_ask_again("human_review", lambda: human_decision_update("human_review", value, state, actions,
                                                                      hitl["action_requests"][0]))
