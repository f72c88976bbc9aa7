"""Intake: the ticket as the helpdesk has it now, and the requester's whole ticket history."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log


async def intake(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    ticket = await services.helpdesk.get_ticket(state["ticket"]["id"])
    await services.helpdesk.mark_processing(ticket.id)  # a status write: repeating it changes nothing
    history = await services.helpdesk.customer_history(ticket)
    return {
        "ticket": ticket.model_dump(),
        "history": [t.model_dump() for t in history],
        "phone_misses": 0,
        "stage": "received",
        "log": log("intake", f"ticket {ticket.id} loaded with {len(history)} earlier ticket(s) of the customer"),
    }
