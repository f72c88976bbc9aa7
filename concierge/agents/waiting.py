"""What the waiting nodes share: an operator may answer any wait with a human decision."""

from __future__ import annotations

from typing import Any

from concierge.graph.state import log

HUMAN_ACTIONS = ("approve", "retry", "close", "handoff")
# While the thread waits for the customer, nothing has been done yet to approve or retry.
CUSTOMER_WAIT_ACTIONS = ("close", "handoff")


def resumed_by(value: dict[str, Any]) -> dict[str, Any]:
    """The update recording which event answered a wait, so a replayed event is recognised."""
    return {"resumed_by": [value["event_id"]]} if value.get("event_id") else {}


def human_decision_update(node: str, value: dict[str, Any]) -> dict[str, Any]:
    decision = {"action": value["action"], "note": value.get("note", ""), "by": value.get("by", "operator")}
    return {
        **resumed_by(value),
        **({"phone_misses": 0} if decision["action"] == "retry" else {}),
        "human_decision": decision,
        "stage": "human_decided",
        "log": log(node, f"human decision: {decision['action']} by {decision['by']} — {decision['note']}"),
    }


# A customer email is never refused by a wait: one that answers nothing the thread waits for is kept.
CUSTOMER_EMAIL = "email_reply"


def email_fields(value: dict[str, Any]) -> dict[str, Any]:
    return {k: value.get(k) for k in ("from", "subject", "text", "message_id", "received_at")}


def keep_email_update(node: str, value: dict[str, Any], *, while_: str, return_to: str) -> dict[str, Any]:
    """The update of a wait that received a customer email it does not wait for: the email is kept on
    the thread, `keep_email` notes it, and the thread goes back to `return_to` (the same wait)."""
    return {
        **resumed_by(value),
        "kept_emails": [{**email_fields(value), "while": while_}],
        "return_to": return_to,
        "stage": "email_kept",
        "log": log(node, f"customer email received while waiting for {while_}: kept on the thread"),
    }
