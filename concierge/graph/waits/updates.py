"""What every wait does with an answer: a person's decision (any wait takes one), a customer email it
does not wait for (kept on the thread), and which event answered it."""

from __future__ import annotations

from typing import Any

from langgraph.types import Command

from concierge.graph.state import TicketState, log
from concierge.graph.waits.decisions import HUMAN_ACTIONS, InvalidDecision, normalise

# While the thread waits for the customer's call, nothing has been done yet to approve or retry.
CUSTOMER_WAIT_ACTIONS = ("close", "handoff")
# While it waits for their email, a person may also answer them in the same email thread.
REPLY_WAIT_ACTIONS = ("close", "handoff", "reply")

__all__ = ["CUSTOMER_EMAIL", "CUSTOMER_WAIT_ACTIONS", "HUMAN_ACTIONS", "REPLY_WAIT_ACTIONS", "human_decision_update", "or_ask_again", "resumed_by"]


def resumed_by(value: dict[str, Any]) -> dict[str, Any]:
    """The update recording which event answered a wait, so a replayed event is recognised."""
    return {"resumed_by": [value["event_id"]]} if value.get("event_id") else {}


def _subject(state: TicketState) -> str:
    last = (state.get("emails") or [{}])[-1].get("subject") or (state.get("ticket") or {}).get("subject") or "Your request"
    return last if last.lower().startswith("re:") else f"Re: {last}"


def human_decision_update(node: str, value: dict[str, Any], state: TicketState, allowed: list[str] | tuple[str, ...],
                          request: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state update of a person's decision (either shape, see `decisions`), checked against `allowed`."""
    decision = normalise(value, list(allowed), request)
    update: dict[str, Any] = {}
    if decision["action"] == "reply":
        decision["subject"] = decision["subject"] or _subject(state)
        # The person's email goes out through the normal send path, threaded to the conversation.
        update["draft"] = {"kind": "human_reply", "subject": decision["subject"], "body": decision["body"], "by": decision["by"]}
    return {
        **resumed_by(value),
        **update,
        **({"phone_misses": 0} if decision["action"] == "retry" else {}),
        "human_decision": decision,
        "human_decisions": state.get("human_decisions", 0) + 1,
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


def or_ask_again(node: str, decide) -> dict[str, Any] | Command:
    """`decide()`'s update; when the decision does not fit the wait (a resume from Studio the API would
    have refused), a logged refusal and the same wait again — raising would leave the refused value
    as the interrupt's answer for good."""
    try:
        return decide()
    except InvalidDecision as exc:
        return Command(goto=node, update={"log": log(node, f"decision refused: {exc}")})
