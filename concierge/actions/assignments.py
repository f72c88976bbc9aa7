"""Taking a ticket the helpdesk assigned to the AI: the one path every intake goes through (the
generic webhook, each helpdesk's own webhook, `concierge poll`), so a ticket announced several
times or several ways is one thread, processed once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from concierge.actions.errors import ActionError, Conflict, NotFound, ProviderFailed
from concierge.actions.results import Accepted
from concierge.runtime.process import AppRuntime
from concierge.schemas import ThreadId
from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, TicketNotFound

logger = logging.getLogger(__name__)


async def take_assigned_ticket(runtime: AppRuntime, ticket_id: str, event_id: str | None = None) -> Accepted:
    """Start a thread for a ticket the helpdesk has assigned to the AI — once, however often and by
    whichever way (poll, webhook) it is announced. Raises `NotFound` for an unknown ticket, `Conflict`
    for one that is not the AI's, `ProviderFailed` when the helpdesk refuses to say. The ticket read
    here goes with the event, so the thread's intake does not ask for it again."""
    services = runtime.services
    helpdesk = services.helpdesk
    thread_id = str(ThreadId(helpdesk.name, ticket_id))
    # One event per ticket assignment unless the sender names it: a poll and a webhook for the same
    # assignment are then one event, and the queue drops the second.
    event_id = event_id or f"assigned:{thread_id}"
    payload: dict[str, Any] = {"ticket_id": ticket_id}
    if await services.store.has_thread(thread_id):  # already taken (its status has moved on): no re-check
        queued = await runtime.queue.enqueue(helpdesk.name, event_id, "ticket_assigned", thread_id, payload)
        return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)
    try:
        ticket = await helpdesk.get_ticket(ticket_id)
    except TicketNotFound as exc:
        raise NotFound(str(exc)) from exc
    except (HelpdeskUnavailable, OSError):  # the helpdesk is down: keep the assignment, the worker's intake retries it
        logger.warning("could not check ticket %s with the helpdesk; accepting it", ticket_id, exc_info=True)
    except HelpdeskError as exc:  # refused (credentials, scopes): nothing recorded, the sender may try again
        raise ProviderFailed(str(exc)) from exc
    else:
        if (reason := helpdesk.unassigned_reason(ticket)) is not None:
            raise Conflict(reason)
        payload["ticket"] = ticket.model_dump()
    await services.store.register_thread(thread_id, helpdesk.name, ticket_id)
    queued = await runtime.queue.enqueue(helpdesk.name, event_id, "ticket_assigned", thread_id, payload)
    return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)


async def poll_assigned_tickets(runtime: AppRuntime) -> list[Accepted]:
    """Every open ticket the helpdesk has assigned to the AI, taken (new ones queued, known ones skipped)."""
    taken = []
    for ticket in await runtime.services.helpdesk.list_assigned_tickets():
        try:
            taken.append(await take_assigned_ticket(runtime, ticket.id))
        except ActionError as exc:  # changed hands between the listing and now
            logger.info("skipping ticket %s: %s", ticket.id, exc)
    return taken


async def poll_forever(runtime: AppRuntime, interval_s: float) -> None:
    """Poll every `interval_s` seconds for as long as the server runs; a failed poll waits for the next."""
    while True:
        try:
            await poll_assigned_tickets(runtime)
        except Exception:  # the helpdesk down or refusing: logged, tried again next round
            logger.warning("polling the helpdesk failed", exc_info=True)
        await asyncio.sleep(interval_s)
