"""Human review: the thread waits here for an operator's decision. Holds only the interrupt; what the
decision implies happens in the nodes after it.

The payload says why (the reasons), which decisions fit this case (`actions`), a reply the AI drafted
for the person to edit (`draft`), and the same in LangChain's human-in-the-loop request shape
(`action_requests`, `review_configs`), so LangGraph Studio and Agent Chat UI can show and answer it.
"""

from __future__ import annotations

from langgraph.types import interrupt

from concierge.agents.decisions import InvalidDecision, review_actions, review_request
from concierge.agents.waiting import human_decision_update
from concierge.graph.state import TicketState, log


def human_review(state: TicketState) -> dict:
    escalation = state.get("escalation") or {}
    actions = review_actions(state)
    hitl = review_request(state, actions)
    payload = {
        "waiting_for": "human",
        "accepts": ["human"],
        "thread_id": state["thread_id"],
        "reasons": escalation.get("reasons", []),
        "actions": actions,
        **hitl,
    }
    if "reply" in actions and state.get("reply_draft"):
        payload["draft"] = state["reply_draft"]
    value = interrupt(payload)
    try:
        return human_decision_update("human_review", value, state, actions, hitl["action_requests"][0])
    except InvalidDecision as exc:
        # A resume from Studio that this wait does not take: recorded, and the thread asks again
        # (raising would leave the refused value as this interrupt's answer for good).
        return {"stage": "awaiting_human", "log": log("human_review", f"decision refused: {exc}")}
