"""Wait for the customer's email reply. Holds only the interrupt: no side effect may live here,
because the node re-runs from its first line when it is resumed.

Besides the reply it takes the reminder timer of the email it waits on (`reply_overdue`, set by
send_email) and a delivery failure reported later for that email (`email_bounced`)."""

from __future__ import annotations

from langgraph.types import Command, interrupt

from concierge.graph.state import TicketState, log
from concierge.graph.waits.updates import CUSTOMER_EMAIL, REPLY_WAIT_ACTIONS, email_fields, human_decision_update, or_ask_again, resumed_by

REPLY_OVERDUE = "reply_overdue"
EMAIL_BOUNCED = "email_bounced"


def wait_for_reply(state: TicketState) -> dict | Command:
    last = (state.get("emails") or [{}])[-1]
    value = interrupt({"waiting_for": "email_reply", "accepts": [CUSTOMER_EMAIL, REPLY_OVERDUE, EMAIL_BOUNCED],
                       "thread_id": state["thread_id"], "message_id": last.get("message_id"),
                       "actions": list(REPLY_WAIT_ACTIONS)})
    kind = value.get("type")
    if kind == "human":
        return or_ask_again("wait_for_reply", lambda: human_decision_update("wait_for_reply", value, state, REPLY_WAIT_ACTIONS))
    if kind == REPLY_OVERDUE:
        return {"stage": "reply_overdue", **resumed_by(value),
                "log": log("wait_for_reply", f"no reply to the {last.get('kind', 'last')} email since {last.get('sent_at')}")}
    if kind == EMAIL_BOUNCED:
        reason = f"The {last.get('kind', 'last')} email could not be delivered (reported later by the mail server): {value.get('reason')}"
        return {"stage": "escalating", "escalation": {"reasons": [reason], "source": "email"}, **resumed_by(value),
                "log": log("wait_for_reply", reason)}
    return {"replies": [email_fields(value)], "stage": "reply_received", "log": log("wait_for_reply", "customer replied"),
            **resumed_by(value)}
