"""Every simulator scenario reaches the right ticket state through the real routes and graph."""

from __future__ import annotations

import pytest

from concierge.cli.demo import report_call, send_customer_reply
from concierge.tools.voice.simulator import PERSONAS
from tests.server import assign, thread

# persona -> (what the thread waits for afterwards, helpdesk status)
EXPECTED = {
    "books": (None, "solved"),
    "haggles": (None, "solved"),  # a discount within the cap passes the price guardrail
    "above_cap": ("human", "escalated"),
    "frustrated": ("human", "escalated"),
    "transfer": ("human", "escalated"),
    "voicemail": ("call_window", "open"),  # called again a minute later: waits on that timer
    "no_answer": ("call_window", "open"),
    "busy": ("call_window", "open"),
}


def test_every_persona_has_an_expected_outcome():
    assert set(EXPECTED) == set(PERSONAS)


@pytest.mark.parametrize("persona", PERSONAS)
async def test_scenario_reaches_the_right_ticket_state(client, runtime, persona, monkeypatch):
    monkeypatch.setattr(runtime.settings, "call_retry_minutes", 1)
    await assign(client, runtime, "1001")
    (await send_customer_reply(client, runtime, "local:1001", "Lovely, call me on +351 912 345 678.")).raise_for_status()
    await runtime.queue.join()
    (await report_call(client, runtime, "local:1001", persona)).raise_for_status()
    await runtime.queue.join()
    detail = await thread(client, "local:1001")
    waiting, status = EXPECTED[persona]
    assert detail["waiting_for"] == waiting, detail["log"][-3:]
    assert len(detail["calls"]) == 1
    ticket = await runtime.services.helpdesk.get_ticket("1001")
    assert ticket.status == status if status != "open" else ticket.status not in ("solved", "escalated")
