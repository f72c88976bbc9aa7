"""Whole threads through the real graph (offline engine, embedded parts, session KB), driven the way the
runner drives them: start a ticket, then resume each wait with what the outside world sends."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from concierge.graph.builder import build_graph
from concierge.graph.context import Context
from concierge.services import open_services
from concierge.tools.voice.reports import parse_call_report
from tests.agents.helpers import alert_records, call_files, outbox


class Thread:
    def __init__(self, services, ticket_id):
        self.services = services
        self.graph = build_graph().compile(checkpointer=InMemorySaver())
        self.thread_id = f"local:{ticket_id}"
        self.ticket_id = ticket_id
        self.config = {"configurable": {"thread_id": self.thread_id}}

    async def _run(self, payload):
        await self.graph.ainvoke(payload, self.config, context=Context(services=self.services))
        return await self.graph.aget_state(self.config)

    async def start(self):
        return await self._run({"helpdesk": "local", "ticket_id": self.ticket_id})

    async def resume(self, value):
        return await self._run(Command(resume=value))

    async def reply(self, text, n=1):
        return await self.resume({"type": "email_reply", "from": "customer@example.com", "subject": "Re: offer",
                                  "text": text, "message_id": f"<reply-{n}@customer.example.com>"})

    async def call_report(self, persona):
        snapshot = await self.graph.aget_state(self.config)
        call_id = snapshot.values["calls"][-1]["call_id"]
        report = parse_call_report(self.services.voice.play(call_id, persona))
        return await self.resume({"type": "call_report", **report.model_dump()})


def waiting_for(snapshot):
    return snapshot.interrupts[0].value["waiting_for"] if snapshot.interrupts else None


@pytest.fixture
async def services(settings, kb):
    async with open_services(settings, kb=kb) as opened:  # the offline engine: no LLM override
        yield opened


async def test_booking_thread_from_assignment_to_a_booked_call(services, settings):
    thread = Thread(services, "1001")
    snapshot = await thread.start()

    assert waiting_for(snapshot) == "email_reply"
    values = snapshot.values
    assert values["path"] == "booking"
    assert values["offers"] and all(o["city"] == "Lisbon" and o["capacity"] >= 3 and o["quiet"] for o in values["offers"])
    [sent] = outbox(settings.outbox_dir)
    body = sent.get_body(("plain",)).get_content()
    for o in values["offers"]:
        assert o["hotel_name"] in body and f"€{o['price_per_night']:,.0f}" in body

    snapshot = await thread.reply("Thanks, that looks lovely! You can reach me on +351 912 345 678.")
    assert waiting_for(snapshot) == "call_report"
    assert snapshot.values["phone"] == "+351912345678"
    assert len(call_files(settings.calls_dir)) == 1

    snapshot = await thread.call_report("books")
    assert snapshot.next == ()
    assert snapshot.values["outcome"]["status"] == "resolved"
    assert (await services.helpdesk.get_ticket("1001")).status == "solved"
    assert values["offers"][0]["hotel_name"] in (await services.helpdesk.notes("1001"))[-1]


async def test_support_thread_answers_and_closes_without_waiting(services, settings):
    snapshot = await Thread(services, "1007").start()

    assert snapshot.next == ()
    assert snapshot.values["path"] == "support"
    assert snapshot.values["policies"][0]["id"] == "pets"
    [sent] = outbox(settings.outbox_dir)
    assert "20 EUR per pet per night" in sent.get_body(("plain",)).get_content()
    assert (await services.helpdesk.get_ticket("1007")).status == "solved"


async def test_angry_ticket_waits_for_a_human_who_hands_it_off(services, settings):
    thread = Thread(services, "1003")
    snapshot = await thread.start()

    assert waiting_for(snapshot) == "human"
    assert outbox(settings.outbox_dir) == []  # no automated answer to an angry customer
    assert (await services.helpdesk.get_ticket("1003")).status == "escalated"

    snapshot = await thread.resume({"type": "human", "action": "handoff", "note": "calling him", "by": "Ana"})
    assert snapshot.next == ()
    ticket = await services.helpdesk.get_ticket("1003")
    assert (ticket.status, ticket.assignee) == ("open", "Human Queue")
    assert snapshot.values["outcome"]["status"] == "handed_off"


async def test_two_replies_without_a_number_escalate(services, settings):
    thread = Thread(services, "1006")
    await thread.start()
    snapshot = await thread.reply("These look lovely, thank you.", 1)
    assert waiting_for(snapshot) == "email_reply"
    assert [m["kind"] for m in snapshot.values["emails"]] == ["offer", "clarify_phone"]
    assert len(outbox(settings.outbox_dir)) == 2

    snapshot = await thread.reply("Any time is fine really.", 2)
    assert waiting_for(snapshot) == "human"
    assert "No usable phone number after 2 replies" in snapshot.values["escalation"]["reasons"][0]
    assert len(alert_records(settings.alerts_file)) == 1


async def frustrated_then_retry(services):
    thread = Thread(services, "1005")
    await thread.start()
    await thread.reply("Yes, call me on 07911 123456 any time.")
    snapshot = await thread.call_report("frustrated")
    assert waiting_for(snapshot) == "human"
    snapshot = await thread.resume({"type": "human", "action": "retry", "note": "try once more", "by": "Ana"})
    assert waiting_for(snapshot) == "call_report"
    assert len(snapshot.values["calls"]) == 2
    return thread


async def test_a_retried_call_that_books_resolves_the_ticket(services):
    # Regression: closer raised KeyError('retry') because the retry decision stays in state.
    thread = await frustrated_then_retry(services)
    snapshot = await thread.call_report("books")
    assert snapshot.values["outcome"]["status"] == "resolved"
    assert (await services.helpdesk.get_ticket("1005")).status == "solved"


async def test_a_retried_call_that_fails_again_alerts_the_team_again(services, settings):
    # Regression: the second escalation reused the ledger keys of the first, so the team was not alerted again.
    thread = await frustrated_then_retry(services)
    snapshot = await thread.call_report("frustrated")
    assert waiting_for(snapshot) == "human"
    notes = await services.helpdesk.notes("1005")
    assert len(notes) == 3  # escalation, the person's retry with their note, the second escalation
    assert "Ana asked Concierge to try again (a new call)" in notes[1] and "try once more" in notes[1]
    assert len(alert_records(settings.alerts_file)) == 2
