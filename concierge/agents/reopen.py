"""Reopen: the customer wrote again after the ticket was done. The email is noted on the ticket once;
a plain thank-you ends there, anything else reopens the ticket on the same thread and goes through
triage again — the new email is what triage reads, and the profile is rebuilt from the ticket, this
email and the customer's history, so everything known so far carries over (phone, offers, emails).
A ticket handed over to a person stays theirs: the email is noted and they are alerted."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from concierge.agents.outcome import alert_once, note_once
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.tools.email.inbound.reply_text import own_words

_THANKS = re.compile(r"\b(thanks?|thank you|thx|cheers|merci|gracias|obrigad[oa]|danke|grazie)\b", re.I)
_ASKS = re.compile(r"\?|\b(can|could|would|will|want|need|add|change|move|cancel|book|extend|another|"
                   r"problem|issue|wrong|refund|please)\b", re.I)
# What a finished ticket's new email no longer needs from the last round.
_ROUND: dict[str, Any] = {"triage": None, "escalation": None, "human_decision": None, "outcome": None, "call_report": None,
                          "call_analysis": None, "draft": None, "chosen_offer": None, "phone_choices": [], "phone_misses": 0,
                          "call_at": None}


def only_thanks(text: str) -> bool:
    """A short thank-you that asks for nothing ("Thanks so much, see you in May!")."""
    text = text.strip()
    return len(text) <= 160 and bool(_THANKS.search(text)) and not _ASKS.search(text)


async def reopen(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    email, ticket = state["kept_emails"][-1], state["ticket"]
    number = state.get("reopened", 0) + 1
    text = own_words(email.get("text") or "")
    thanks = only_thanks(text)
    handed_off = (state.get("outcome") or {}).get("status") == "handed_off"  # a person owns the ticket now
    then = ("a thank-you: nothing to do" if thanks else "the ticket is with a person: not reopened" if handed_off
            else "Concierge reopened it")
    note = f"The customer wrote after the ticket was {(state.get('outcome') or {}).get('status', 'done')} ({then}):\n\n{text}"
    key = effect_key(state, "reopen", number)
    await note_once(services, state, f"{key}:note", note)
    if thanks:
        return {"stage": "done", "log": log("reopen", "a thank-you after the ticket was done: noted, nothing to do")}
    if handed_off:
        await alert_once(services, state, f"{key}:alert", kind="escalation", text=note,
                         title=f"Ticket {ticket['id']}: the customer wrote again after the hand-over")
        return {"stage": "done", "log": log("reopen", "customer wrote after the hand-over: noted, the person is alerted")}
    await services.helpdesk.mark_processing(ticket["id"])  # a status write: repeating it changes nothing
    when = (email.get("received_at") or "")[:10]
    body = f"{ticket.get('body', '')}\n\nThe customer wrote again{f' on {when}' if when else ''}:\n{text}".strip()
    return {**_ROUND, "ticket": {**ticket, "body": body}, "reopened": number,
            "request": {"subject": email.get("subject") or ticket.get("subject", ""), "body": text},
            "stage": "received", "log": log("reopen", f"new request after the ticket was done: triaging it (round {number + 1})")}
