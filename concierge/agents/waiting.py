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
