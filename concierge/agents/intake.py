"""Intake: the ticket as the helpdesk has it now, and the requester's whole ticket history."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log


async def intake(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    helpdesk = state.get("helpdesk") or services.helpdesk.name
    if helpdesk != services.helpdesk.name:
        raise ValueError(f"helpdesk {helpdesk!r} is not the configured one ({services.helpdesk.name!r})")
    ticket_id = state.get("ticket_id") or state["ticket"]["id"]
    ticket = await services.helpdesk.get_ticket(ticket_id)
    await services.helpdesk.mark_processing(ticket.id)  # a status write: repeating it changes nothing
    history = await services.helpdesk.customer_history(ticket)
    return {
        "thread_id": state.get("thread_id") or f"{helpdesk}:{ticket.id}",
        "ticket": ticket.model_dump(),
        "history": [t.model_dump() for t in history],
        "phone_misses": 0,
        "stage": "received",
        "log": log("intake", f"ticket {ticket.id} loaded with {len(history)} earlier ticket(s) of the customer"),
    }
