from __future__ import annotations

import pytest

from concierge.agents.closer import closer
from tests.agents.helpers import alert_records, offer, policy, ticket_state

OFFERS = [offer("lisbon-estrela-garden-triple"), offer("lisbon-casa-alfama-triple")]
TRANSCRIPT = "AI: Shall I book the Superior Triple at Casa Alfama?\nUser: Yes, that sounds perfect."


@pytest.mark.parametrize(("action", "status", "assignee", "resolution"), [
    ("approve", "solved", "AI Processing", "resolved"),
    ("close", "closed", "AI Processing", "closed"),
    ("handoff", "open", "Human Queue", "handed_off"),
])
async def test_a_human_decision_sets_the_ticket_state(rt, services, settings, action, status, assignee, resolution):
    decision = {"action": action, "note": "Spoke to the customer", "by": "Ana"}
    state = await ticket_state(services, "1003", path="escalate", stage="human_decided", human_decision=decision)
    update = await closer(state, rt)

    ticket = await services.helpdesk.get_ticket("1003")
    assert (ticket.status, ticket.assignee) == (status, assignee)
    [note] = await services.helpdesk.notes("1003")
    assert note.startswith("Human decision — ")
    assert f"{action} by Ana" in note and "Spoke to the customer" in note
    [alert] = alert_records(settings.alerts_file)
    assert alert["kind"] == ("success" if resolution == "resolved" else "info")
    assert update["outcome"]["status"] == resolution
    assert update["stage"] == "done"


async def test_a_booking_closed_on_the_call_gets_a_note_with_the_transcript(rt, services, settings):
    state = await ticket_state(
        services, "1001", path="booking", stage="closing", offers=OFFERS,
        call_analysis={"booked": True, "frustrated": False, "reasons": [], "summary": "Booked the triple.",
                       "booked_room_id": "lisbon-casa-alfama-triple"},
        call_report={"transcript": TRANSCRIPT})
    update = await closer(state, rt)

    ticket = await services.helpdesk.get_ticket("1001")
    assert ticket.status == "solved"
    [note] = await services.helpdesk.notes("1001")
    assert "Booked: Casa Alfama Boutique Hotel — Superior Triple, 215 EUR/night" in note
    assert TRANSCRIPT in note
    assert "Booked the triple." in note
    [alert] = alert_records(settings.alerts_file)
    assert alert["kind"] == "success" and "Casa Alfama" in alert["text"]
    assert update["outcome"] == {"status": "resolved",
                                 "summary": "Booked: Casa Alfama Boutique Hotel — Superior Triple, 215 EUR/night"}


async def test_a_booking_whose_room_is_unknown_still_closes(rt, services):
    state = await ticket_state(services, "1001", path="booking", stage="closing", offers=OFFERS,
                               call_analysis={"booked": True, "summary": "Booked.", "booked_room_id": None},
                               call_report={"transcript": TRANSCRIPT})
    update = await closer(state, rt)
    assert update["outcome"]["summary"] == "Booked: booking confirmed on the call"
    assert TRANSCRIPT in (await services.helpdesk.notes("1001"))[0]


async def test_a_support_answer_closes_with_the_email_in_the_note(rt, services):
    email = {"kind": "support_answer", "body": "Dogs are welcome; the fee is 20 EUR per pet per night."}
    state = await ticket_state(services, "1007", path="support", stage="email_sent",
                               policies=[policy("pets")], emails=[email])
    update = await closer(state, rt)

    assert (await services.helpdesk.get_ticket("1007")).status == "solved"
    [note] = await services.helpdesk.notes("1007")
    assert email["body"] in note
    assert update["outcome"] == {"status": "resolved", "summary": "Answered by email (Pets)"}


async def test_rerunning_the_closer_writes_nothing_twice(rt, services, settings):
    decision = {"action": "close", "note": "duplicate", "by": "Ana"}
    state = await ticket_state(services, "1003", stage="human_decided", human_decision=decision)
    await closer(state, rt)
    await closer(state, rt)
    assert len(await services.helpdesk.notes("1003")) == 1
    assert len(alert_records(settings.alerts_file)) == 1


async def test_a_booking_after_a_human_retry_closes_as_booked(rt, services):
    # Regression: the 'retry' decision stays in state, and closing() used to raise KeyError('retry').
    state = await ticket_state(
        services, "1001", path="booking", stage="closing", offers=OFFERS,
        human_decision={"action": "retry", "note": "try calling again", "by": "Ana"},
        call_analysis={"booked": True, "frustrated": False, "reasons": [], "summary": "Booked.",
                       "booked_room_id": "lisbon-casa-alfama-triple"},
        call_report={"transcript": TRANSCRIPT})
    update = await closer(state, rt)
    assert update["outcome"]["status"] == "resolved"
    assert update["outcome"]["summary"].startswith("Booked: Casa Alfama Boutique Hotel")
    assert (await services.helpdesk.get_ticket("1001")).status == "solved"
    assert TRANSCRIPT in (await services.helpdesk.notes("1001"))[0]
