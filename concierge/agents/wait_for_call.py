"""Wait for the voice provider's end-of-call report. Holds only the interrupt."""

from __future__ import annotations

from langgraph.types import interrupt

from concierge.agents.waiting import CUSTOMER_EMAIL, CUSTOMER_WAIT_ACTIONS, human_decision_update, keep_email_update, resumed_by
from concierge.graph.state import TicketState, log


def wait_for_call(state: TicketState) -> dict:
    call = (state.get("calls") or [{}])[-1]
    value = interrupt({"waiting_for": "call_report", "accepts": ["call_report", CUSTOMER_EMAIL], "thread_id": state["thread_id"],
                       "call_id": call.get("call_id"),
                       "actions": list(CUSTOMER_WAIT_ACTIONS)})
    if value.get("type") == "human":
        return human_decision_update("wait_for_call", value)
    if value.get("type") == CUSTOMER_EMAIL:
        return keep_email_update("wait_for_call", value, while_="call_report", return_to="call_placed")
    report = {k: v for k, v in value.items() if k not in ("type", "event_id")}
    return {"call_report": report, "stage": "call_reported", **resumed_by(value),
            "log": log("wait_for_call", f"call report: {report.get('ended_reason') or 'ended'}")}
