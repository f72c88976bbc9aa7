"""What a person may decide on a waiting thread, and the two shapes a decision arrives in.

The decisions offered depend on why the thread waits: `approve` only when the AI delivered
something to approve, `retry` only when there is something to try again (a call to place again,
offers or policies to send again), `reply` only when an email can reach the customer.

A decision arrives as Concierge's own `{action, note, by}` (plus `subject`, `body`, `then` for a
reply), or in LangChain's human-in-the-loop shape `{"decisions": [{"type": "approve"|"edit"|"reject"|"respond", ...}]}`
answering the `action_requests` of the interrupt (LangGraph Studio, Agent Chat UI).
"""

from __future__ import annotations

from typing import Any

from concierge.graph.state import TicketState

HUMAN_ACTIONS = ("approve", "retry", "close", "handoff", "reply")
REPLY_THEN = ("wait", "close")  # after a person's reply: wait for the customer again, or close the ticket

DESCRIPTIONS = {
    "approve": "accept the AI's handling: note, ticket resolved, alert",
    "retry": "the AI tries again",
    "close": "close the ticket without a booking",
    "handoff": "a person takes over: the ticket goes to the human queue and the AI stops",
    "reply": "send your own email to the customer in the same email thread, then wait for their answer or close",
}


class InvalidDecision(ValueError):
    """A decision that does not fit the wait it answers."""


def retry_route(state: TicketState) -> str | None:
    """What a retry would do, or None when there is nothing to try again."""
    if state.get("phone") and state.get("contact_by") != "email":  # a number is only kept to be called
        return "call"
    if state.get("path") == "booking" and state.get("offers"):
        return "email"
    if state.get("path") == "support" and state.get("policies"):
        return "email"
    return None


def can_reply(state: TicketState) -> bool:
    email = ((state.get("ticket") or {}).get("customer") or {}).get("email")
    return bool(email) and (state.get("escalation") or {}).get("source") != "email"  # not after the address bounced


def review_actions(state: TicketState) -> list[str]:
    """The decisions a person may take on an escalated thread, given why it waits."""
    delivered = bool(state.get("emails")) or bool(state.get("call_analysis"))
    allowed = {
        "approve": delivered,  # nothing sent or said: nothing to approve
        "retry": retry_route(state) is not None,
        "close": True,
        "handoff": True,
        "reply": can_reply(state),
    }
    return [a for a in HUMAN_ACTIONS if allowed[a]]


def reply_draft_args(state: TicketState) -> dict[str, Any]:
    draft = state.get("reply_draft") or {}
    return {"subject": draft.get("subject", ""), "body": draft.get("body", ""), "then": "wait"}


def proposed_action(state: TicketState, actions: list[str]) -> dict[str, Any]:
    """The one action request shown for review: the drafted reply when a reply can be sent, else a hand-over."""
    reasons = "; ".join((state.get("escalation") or {}).get("reasons") or []) or "escalated"
    others = ", ".join(f"{a} ({DESCRIPTIONS[a]})" for a in actions)
    if "reply" in actions:
        name, args = "reply", reply_draft_args(state)
        what = "Approve sends this drafted reply to the customer; edit it, or edit the action to another decision"
    else:
        name, args = "handoff", {"note": ""}
        what = "Approve hands the ticket to a person; or edit the action to another decision"
    return {"name": name, "args": args,
            "description": f"Needs a human: {reasons}. {what}. Reject hands the ticket to a person with your message as the note. "
                           f"Decisions: {others}."}


def review_request(state: TicketState, actions: list[str]) -> dict[str, Any]:
    """The human-in-the-loop request keys of the `human_review` interrupt (LangChain's HITL shape)."""
    request = proposed_action(state, actions)
    decisions = ["approve", "edit", "reject"] + (["respond"] if "reply" in actions else [])
    return {"action_requests": [request], "review_configs": [{"action_name": request["name"], "allowed_decisions": decisions}]}


def from_hitl(value: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A HITL response `{"decisions": [...]}` as Concierge's own decision, for the one action request."""
    decisions = value.get("decisions")
    if not isinstance(decisions, list) or len(decisions) != 1 or not isinstance(decisions[0], dict):
        raise InvalidDecision("a review answers with exactly one decision: {\"decisions\": [{\"type\": ...}]}")
    decision = decisions[0]
    by = str(decision.get("by") or value.get("by") or "operator")
    match decision.get("type"):
        case "approve":
            return {**request["args"], "action": request["name"], "by": by}
        case "edit":
            edited = decision.get("edited_action") or {}
            args = edited.get("args") or {}
            if not isinstance(args, dict):
                raise InvalidDecision("edited_action.args must be an object")
            return {**args, "action": edited.get("name") or request["name"], "by": str(args.get("by") or by)}
        case "reject":
            return {"action": "handoff", "note": str(decision.get("message") or ""), "by": by}
        case "respond":  # the person answers in the AI's stead: their message is the reply
            return {**request["args"], "action": "reply", "body": str(decision.get("message") or ""), "by": by}
    raise InvalidDecision(f"unknown decision type {decision.get('type')!r} (approve, edit, reject or respond)")


def normalise(value: dict[str, Any], allowed: list[str], request: dict[str, Any] | None = None) -> dict[str, Any]:
    """The decision `{action, note, by, ...}` in `value`, checked against what this wait allows
    (with `email` for an edited draft, `subject`, `body`, `then` for a reply)."""
    if "decisions" in value and "action" not in value:
        if request is None:
            raise InvalidDecision("this wait takes {action, note, by}")
        value = {**from_hitl(value, request), **{k: value[k] for k in ("event_id", "answers") if k in value}}
    action = value.get("action")
    if action not in allowed:
        raise InvalidDecision(f"this wait takes {', '.join(allowed)}, not {action!r}")
    decision = {"action": action, "note": str(value.get("note") or ""), "by": str(value.get("by") or "operator")}
    if action == "reply":
        body = str(value.get("body") or "").strip()
        if not body:
            raise InvalidDecision("a reply needs the email's body")
        then = value.get("then") or "wait"
        if then not in REPLY_THEN:
            raise InvalidDecision(f"after a reply the thread can {' or '.join(REPLY_THEN)}, not {then!r}")
        decision |= {"subject": str(value.get("subject") or "").strip(), "body": body, "then": then}
    if action == "edit" and isinstance(value.get("email"), dict):  # a draft in review, edited
        decision["email"] = value["email"]
    return decision


def decision_for(wait: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A person's decision (either shape) checked against the wait whose interrupt payload is `wait`:
    the decisions it offers and, for a review, its action request."""
    return normalise(value, wait.get("actions") or list(HUMAN_ACTIONS), (wait.get("action_requests") or [None])[0])
