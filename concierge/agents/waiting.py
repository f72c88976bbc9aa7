"""What the waiting nodes share: an operator may answer any wait with a human decision."""

from __future__ import annotations

from typing import Any

from concierge.graph.state import log

HUMAN_ACTIONS = ("approve", "retry", "close", "handoff")


def human_decision_update(node: str, value: dict[str, Any]) -> dict[str, Any]:
    decision = {"action": value["action"], "note": value.get("note", ""), "by": value.get("by", "operator")}
    return {
        **({"phone_misses": 0} if decision["action"] == "retry" else {}),
        "human_decision": decision,
        "stage": "human_decided",
        "log": log(node, f"human decision: {decision['action']} by {decision['by']} — {decision['note']}"),
    }
