"""Taking a ticket assigned to the AI: the helpdesk is asked for it once, at assignment, and the thread's
intake takes that reading; what the use case refuses it raises as a domain error."""

from __future__ import annotations

import pytest

from concierge.actions.assignments import take_assigned_ticket
from concierge.actions.errors import Conflict, NotFound
from concierge.tools.helpdesk import HelpdeskUnavailable


@pytest.fixture
def reads(runtime, monkeypatch) -> list[str]:
    """Every ticket id the helpdesk is asked for until intake marks the ticket as processed by the AI
    (the local helpdesk reads its own tickets again later, to write notes and statuses)."""
    helpdesk, asked, marked = runtime.services.helpdesk, [], []
    read, mark = helpdesk.get_ticket, helpdesk.mark_processing

    async def get_ticket(ticket_id: str):
        if not marked:
            asked.append(ticket_id)
        return await read(ticket_id)

    async def mark_processing(ticket_id: str):
        marked.append(ticket_id)
        return await mark(ticket_id)

    monkeypatch.setattr(helpdesk, "get_ticket", get_ticket)
    monkeypatch.setattr(helpdesk, "mark_processing", mark_processing)
    return asked


async def test_the_ticket_read_at_assignment_is_the_one_intake_takes(runtime, reads):
    accepted = await take_assigned_ticket(runtime, "1002")
    await runtime.queue.join()

    assert reads == ["1002"]
    values = (await runtime.runner.snapshot(accepted.thread_id)).values
    assert values["ticket"]["subject"] and values["outcome"]["status"] == "resolved"
    event = await runtime.services.store.event("local", accepted.event_id)
    assert event["payload"]["ticket"]["id"] == "1002"


async def test_a_ticket_the_helpdesk_could_not_show_then_is_read_by_intake(runtime, reads, monkeypatch):
    helpdesk = runtime.services.helpdesk
    read = helpdesk.get_ticket

    async def down_once(ticket_id: str):
        if len(reads) == 0:
            reads.append(ticket_id)
            raise HelpdeskUnavailable("the helpdesk is down")
        return await read(ticket_id)

    monkeypatch.setattr(helpdesk, "get_ticket", down_once)
    accepted = await take_assigned_ticket(runtime, "1002")
    await runtime.queue.join()

    assert reads == ["1002", "1002"]  # refused at assignment, read by intake
    assert (await runtime.runner.snapshot(accepted.thread_id)).values["outcome"]["status"] == "resolved"


async def test_an_unknown_ticket_and_one_that_is_not_the_ais_are_refused(runtime):
    with pytest.raises(NotFound):
        await take_assigned_ticket(runtime, "4040")
    await runtime.services.helpdesk.set_resolution("1002", "handed_off", "a person took it")
    with pytest.raises(Conflict):
        await take_assigned_ticket(runtime, "1002")
    assert await runtime.services.store.thread_ids() == []
