"""Keep email: a customer email that arrived while the thread waited for something else (the call's
report, the calling window, a person's decision) is noted on the helpdesk once, and the thread goes
back to the same wait. A person deciding the ticket is alerted too; a requested call time is kept
for the call that has not been placed yet."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.agents.call_time import read_call_time
from concierge.agents.outcome import alert_once, note_once
from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.tools.email.inbound.reply_text import own_words

WHILE = {"call_report": "a call was under way", "call_window": "a call was waiting for the calling hours",
         "human": "the ticket was waiting for a person's decision"}


def kept_email_note(email: dict, while_: str) -> str:
    return (f"The customer wrote while {WHILE.get(while_, 'Concierge waited for something else')} "
            f"(kept on the thread; no automatic answer):\n\nSubject: {email.get('subject') or ''}\n\n"
            f"{own_words(email.get('text') or '')}")


async def keep_email(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    kept = state.get("kept_emails") or []
    email, number, ticket = kept[-1], len(kept), state["ticket"]
    note = kept_email_note(email, email["while"])
    key = effect_key(state, "kept_email", number)
    await note_once(services, state, f"{key}:note", note)
    if email["while"] == "human":
        await alert_once(services, state, f"{key}:alert", kind="info", text=note,
                         title=f"Ticket {ticket['id']}: the customer wrote while it waits for you")
    update: dict = {"stage": state.get("return_to") or "awaiting_human", "return_to": None,
                    "log": log("keep_email", f"customer email noted on the ticket ({email['while']})")}
    if email["while"] == "call_window" and (phone := state.get("phone")):  # not dialled yet: a new time counts
        call_at = await read_call_time(services, own_words(email.get("text") or ""), phone)
        if call_at:
            update |= {"call_at": call_at, "log": log("keep_email", f"customer email noted; call requested for {call_at}")}
    return update
