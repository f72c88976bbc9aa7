"""No reply: the customer answered neither our email nor its reminder. NO_REPLY_POLICY decides:
`escalate` (the default: a person looks at the quiet lead — the email may sit in a spam folder, or
the customer may prefer a call from a person) or `close` (the ticket is closed as unanswered)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log


def unanswered_reason(state: TicketState) -> str:
    emails = state.get("emails") or []
    first = next((e for e in reversed(emails[:-1]) if e.get("kind") != "reminder"), emails[0] if emails else {})
    return (f"No reply from the customer to the {first.get('kind', 'last')} email of {str(first.get('sent_at', '?'))[:10]} "
            f"nor to the reminder of {str((emails or [{}])[-1].get('sent_at', '?'))[:10]}")


async def no_reply(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    reason = unanswered_reason(state)
    if services.settings.no_reply_policy == "close":
        return {"stage": "unanswered", "log": log("no_reply", f"{reason}: closing (NO_REPLY_POLICY=close)")}
    return {"stage": "escalating", "escalation": {"reasons": [reason], "source": "no_reply"},
            "log": log("no_reply", f"{reason}: escalating (NO_REPLY_POLICY=escalate)")}
