"""Wait for the customer's email reply. Holds only the interrupt: no side effect may live here,
because the node re-runs from its first line when it is resumed."""

from __future__ import annotations

from langgraph.types import Command, interrupt

from concierge.agents.waiting import REPLY_WAIT_ACTIONS, human_decision_update, or_ask_again, resumed_by
from concierge.graph.state import TicketState, log


def wait_for_reply(state: TicketState) -> dict | Command:
    last = (state.get("emails") or [{}])[-1]
    value = interrupt({"waiting_for": "email_reply", "accepts": ["email_reply"], "thread_id": state["thread_id"],
                       "message_id": last.get("message_id"),
                       "actions": list(REPLY_WAIT_ACTIONS)})
    if value.get("type") == "human":
        return or_ask_again("wait_for_reply", lambda: human_decision_update("wait_for_reply", value, state, REPLY_WAIT_ACTIONS))
    reply = {k: value.get(k) for k in ("from", "subject", "text", "message_id", "received_at")}
    return {"replies": [reply], "stage": "reply_received", "log": log("wait_for_reply", "customer replied"), **resumed_by(value)}
