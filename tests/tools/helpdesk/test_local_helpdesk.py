from __future__ import annotations

import json

import pytest

from concierge.schemas import Customer
from concierge.settings import PACKAGE_DATA
from concierge.tools.helpdesk import TicketNotFound, build_helpdesk
from concierge.tools.helpdesk.local import LocalHelpdesk
from tests.conftest import make_settings

SEED_FILE = PACKAGE_DATA / "demo_tickets.json"
SEED = json.loads(SEED_FILE.read_text())


@pytest.fixture
async def helpdesk(tmp_path):
    desk = LocalHelpdesk(tmp_path / "helpdesk.sqlite", seed_file=SEED_FILE)
    await desk.open()
    yield desk
    await desk.close()


async def test_build_helpdesk_gives_the_seeded_local_one(tmp_path):
    desk = build_helpdesk(make_settings(tmp_path))
    await desk.open()
    try:
        assert desk.name == "local"
        assert (await desk.get_ticket("1001")).customer.name == "Maria Costa"
    finally:
        await desk.close()


async def test_seeding_happens_once(helpdesk, tmp_path):
    await helpdesk.set_resolution("1001", "resolved", "done")
    assert await helpdesk.seed(SEED_FILE) == 0  # already seeded: nothing loaded again
    await helpdesk.close()

    reopened = LocalHelpdesk(tmp_path / "helpdesk.sqlite", seed_file=SEED_FILE)
    await reopened.open()
    try:
        assert (await reopened.get_ticket("1001")).status == "solved"  # not overwritten by the seed
        async with reopened.db.execute("SELECT COUNT(*) FROM tickets") as cur:
            assert (await cur.fetchone())[0] == len(SEED["tickets"])
    finally:
        await reopened.close()


async def test_a_fresh_helpdesk_loads_every_seed_ticket(tmp_path):
    desk = LocalHelpdesk(tmp_path / "h.sqlite")
    await desk.open()
    try:
        assert await desk.seed(SEED_FILE) == len(SEED["tickets"])
    finally:
        await desk.close()


async def test_only_open_tickets_assigned_to_the_ai_are_listed(helpdesk):
    tickets = await helpdesk.list_assigned_tickets()
    assert [t.id for t in tickets] == ["1001", "1002", "1003", "1004", "1005", "1006", "1007"]
    assert all(t.assignee == "AI Processing" and t.status == "open" for t in tickets)

    await helpdesk.set_resolution("1002", "resolved", "answered")
    await helpdesk.set_resolution("1003", "handed_off", "a person takes it")
    assert [t.id for t in await helpdesk.list_assigned_tickets()] == ["1001", "1004", "1005", "1006", "1007"]


async def test_a_new_ticket_for_the_ai_is_listed(helpdesk):
    customer = Customer(id="c-200", name="Ines Santos", email="ines@example.com")
    created = await helpdesk.create_ticket(customer=customer, subject="Porto?", body="Any hotel in Porto?", ticket_id="2001")
    assert created.status == "open" and created.assignee == "AI Processing"
    assert "2001" in [t.id for t in await helpdesk.list_assigned_tickets()]


async def test_history_excludes_the_ticket_and_is_oldest_first(helpdesk):
    ticket = await helpdesk.get_ticket("1003")
    history = await helpdesk.customer_history(ticket)
    assert [t.id for t in history] == ["811", "836"]
    assert history[0].created_at < history[1].created_at
    assert all(t.customer.id == "c-103" for t in history)

    assert [t.id for t in await helpdesk.customer_history(await helpdesk.get_ticket("768"))] == ["731", "1001"]
    assert await helpdesk.customer_history(await helpdesk.get_ticket("1004")) == []


@pytest.mark.parametrize(("resolution", "status", "assignee"), [
    ("resolved", "solved", "AI Processing"),
    ("closed", "closed", "AI Processing"),
    ("escalated", "escalated", "Human Queue"),
    ("handed_off", "open", "Human Queue"),
])
async def test_set_resolution_maps_to_helpdesk_states(helpdesk, resolution, status, assignee):
    await helpdesk.set_resolution("1001", resolution, "why")
    ticket = await helpdesk.get_ticket("1001")
    assert (ticket.status, ticket.assignee) == (status, assignee)


async def test_notes_are_kept_in_order(helpdesk):
    first = await helpdesk.add_note("1001", "first")
    second = await helpdesk.add_note("1001", "second")
    assert first != second
    assert await helpdesk.notes("1001") == ["first", "second"]
    assert await helpdesk.notes("1002") == []


async def test_unknown_tickets_raise_ticket_not_found(helpdesk):
    with pytest.raises(TicketNotFound):
        await helpdesk.get_ticket("9999")
    with pytest.raises(TicketNotFound):
        await helpdesk.add_note("9999", "note")
    with pytest.raises(TicketNotFound):
        await helpdesk.set_resolution("9999", "resolved", "why")
    async with helpdesk.db.execute("SELECT COUNT(*) FROM notes") as cur:
        assert (await cur.fetchone())[0] == 0


async def test_a_closed_helpdesk_refuses_work(tmp_path):
    desk = LocalHelpdesk(tmp_path / "h.sqlite", seed_file=SEED_FILE)
    with pytest.raises(RuntimeError, match="not open"):
        await desk.get_ticket("1001")
