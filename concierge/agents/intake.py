"""Intake: the ticket, and the requester's whole ticket history. The ticket read when it was assigned
comes with the run that starts the thread; otherwise (Studio, a helpdesk that was down then, a run
carried on after a crash) it is read now."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.schemas import ThreadId, Ticket


async def intake(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    helpdesk = state.get("helpdesk") or services.helpdesk.name
    if helpdesk != services.helpdesk.name:
        raise ValueError(f"helpdesk {helpdesk!r} is not the configured one ({services.helpdesk.name!r})")
    ticket_id = state.get("ticket_id") or state["ticket"]["id"]
    assigned = getattr(runtime.context, "assigned_ticket", None) if runtime is not None else None
    if assigned is not None and assigned.get("id") == ticket_id:
        ticket = Ticket.model_validate(assigned)
    else:
        ticket = await services.helpdesk.get_ticket(ticket_id)
    await services.helpdesk.mark_processing(ticket.id)  # a status write: repeating it changes nothing
    history = await services.helpdesk.customer_history(ticket)
    return {
        "thread_id": state.get("thread_id") or str(ThreadId(helpdesk, ticket.id)),
        "ticket": ticket.model_dump(),
        "history": [t.model_dump() for t in history],
        "phone_misses": 0,
        "stage": "received",
        "log": log("intake", f"ticket {ticket.id} loaded with {len(history)} earlier ticket(s) of the customer"),
    }
