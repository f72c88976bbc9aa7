"""Wait for the timer that delivers an unacknowledged booking record again. Holds only the interrupt."""

from __future__ import annotations

from langgraph.types import Command, interrupt

from concierge.graph.state import TicketState, log
from concierge.graph.waits.updates import CUSTOMER_WAIT_ACTIONS, human_decision_update, or_ask_again, resumed_by

BOOKING_RETRY = "booking_retry"  # the timer (set by booking_record) that delivers the record again


def wait_for_booking_retry(state: TicketState) -> dict | Command:
    booking = state.get("booking") or {}
    value = interrupt({"waiting_for": "booking_system", "accepts": [BOOKING_RETRY], "thread_id": state["thread_id"],
                       "retry_at": booking.get("retry_at"), "actions": list(CUSTOMER_WAIT_ACTIONS)})
    if value.get("type") == "human":
        return or_ask_again("wait_for_booking_retry",
                            lambda: human_decision_update("wait_for_booking_retry", value, state, CUSTOMER_WAIT_ACTIONS))
    return {"stage": "booking_retry_due", **resumed_by(value),
            "log": log("wait_for_booking_retry", f"delivering booking {booking.get('reference')} again")}
