from __future__ import annotations

import pytest

from concierge.agents.intake import intake
from concierge.tools.helpdesk import TicketNotFound


async def test_intake_loads_the_ticket_and_the_customers_history(rt, services):
    update = await intake({"thread_id": "local:1001", "ticket": {"id": "1001"}, "stage": "new"}, rt)

    ticket = update["ticket"]
    assert ticket["id"] == "1001"
    assert ticket["subject"].startswith("Lisbon in April")
    assert ticket["customer"] == {"id": "c-101", "name": "Maria Costa", "email": "maria.costa@example.com", "region": None}
    # Maria's two earlier tickets, oldest first, and never the ticket itself.
    assert [t["id"] for t in update["history"]] == ["731", "768"]
    assert "Noisy room" in update["history"][1]["subject"]
    assert update["stage"] == "received"
    assert update["phone_misses"] == 0
    assert "2 earlier ticket" in update["log"][-1]["text"]
    assert update["log"][-1]["node"] == "intake"


async def test_intake_reads_the_ticket_as_the_helpdesk_has_it_now(rt, services):
    await services.helpdesk.set_resolution("1002", "handed_off", "picked up by a person")

    update = await intake({"thread_id": "local:1002", "ticket": {"id": "1002"}, "stage": "new"}, rt)

    assert update["ticket"]["assignee"] == "Human Queue"
    assert [t["id"] for t in update["history"]] == ["702"]


async def test_intake_of_a_customer_without_history(rt):
    update = await intake({"thread_id": "local:1004", "ticket": {"id": "1004"}, "stage": "new"}, rt)
    assert update["history"] == []
    assert "0 earlier ticket" in update["log"][-1]["text"]


async def test_intake_of_an_unknown_ticket_fails(rt):
    with pytest.raises(TicketNotFound):
        await intake({"thread_id": "local:4040", "ticket": {"id": "4040"}, "stage": "new"}, rt)
