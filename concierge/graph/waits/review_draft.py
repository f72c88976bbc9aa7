"""Review draft: in approval mode (REVIEW_BEFORE_SEND) a drafted email waits here for an operator,
who approves it, edits it (the edited text is what goes out) or rejects it with a note (nothing is
sent and the thread goes to a person). Holds only the interrupt: the email is sent by send_email.

Resume value: `{"type": "human", "action": "approve" | "edit" | "reject", "note": "...", "by": "...",
"email": {"subject": "...", "body": "..."}}` — `email` only with `edit`.
"""

from __future__ import annotations

from typing import Any

from langgraph.types import interrupt

from concierge.graph.state import TicketState, log
from concierge.graph.waits.updates import resumed_by

REVIEW_ACTIONS = ("approve", "edit", "reject")
# Which drafted kinds wait for an operator in each mode: "offers" holds every email that quotes an offer.
REVIEWED_KINDS: dict[str, frozenset[str] | None] = {
    "none": frozenset(),
    "offers": frozenset({"offer", "confirm_by_email"}),
    "all": None,  # every kind
}


def needs_review(mode: str, kind: str) -> bool:
    kinds = REVIEWED_KINDS[mode]
    return kinds is None or kind in kinds


def review_draft(state: TicketState) -> dict[str, Any]:
    draft = state["draft"]
    assert draft is not None  # the graph comes here with a drafted email
    value = interrupt({
        "waiting_for": "draft_review",
        "accepts": ["human"],
        "thread_id": state["thread_id"],
        "draft": {k: draft.get(k) for k in ("kind", "subject", "body")},
        "actions": list(REVIEW_ACTIONS),
    })
    action, by, note = value["action"], value.get("by", "operator"), value.get("note", "")
    review = {"kind": draft["kind"], "action": action, "by": by, "note": note}
    if action == "reject":
        reason = f"The {draft['kind']} email was rejected by {by} before sending" + (f": {note}" if note else "")
        return {**resumed_by(value), "reviews": [review], "draft": None, "stage": "escalating",
                "escalation": {"reasons": [reason], "source": "review"}, "log": log("review_draft", reason)}
    if action == "edit":
        email = value.get("email") or {}
        draft = {**draft, "subject": email.get("subject") or draft["subject"], "body": email.get("body") or draft["body"]}
    approved = {**draft, "review": False, "reviewed": {"action": action, "by": by, "note": note}}
    text = f"{draft['kind']} email {'edited and approved' if action == 'edit' else 'approved'} by {by}" + (f" — {note}" if note else "")
    return {**resumed_by(value), "reviews": [review], "draft": approved, "stage": "draft_approved",
            "log": log("review_draft", text)}
