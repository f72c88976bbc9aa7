"""Wait for the voice provider's end-of-call report. Holds only the interrupt."""

from __future__ import annotations

from langgraph.types import Command, interrupt

from concierge.graph.state import TicketState, log
from concierge.graph.waits.updates import CUSTOMER_EMAIL, CUSTOMER_WAIT_ACTIONS, human_decision_update, keep_email_update, or_ask_again, resumed_by


def wait_for_call(state: TicketState) -> dict | Command:
    call = (state.get("calls") or [{}])[-1]
    value = interrupt({"waiting_for": "call_report", "accepts": ["call_report", CUSTOMER_EMAIL], "thread_id": state["thread_id"],
                       "call_id": call.get("call_id"),
                       "actions": list(CUSTOMER_WAIT_ACTIONS)})
    if value.get("type") == "human":
        return or_ask_again("wait_for_call", lambda: human_decision_update("wait_for_call", value, state, CUSTOMER_WAIT_ACTIONS))
    if value.get("type") == CUSTOMER_EMAIL:
        return keep_email_update("wait_for_call", value, while_="call_report", return_to="call_placed")
    report = {k: v for k, v in value.items() if k not in ("type", "event_id")}
    return {"call_report": report, "stage": "call_reported", **resumed_by(value),
            "log": log("wait_for_call", f"call report: {report.get('ended_reason') or 'ended'}")}
