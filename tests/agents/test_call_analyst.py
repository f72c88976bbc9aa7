from __future__ import annotations

import dataclasses

from concierge.agents.call_analyst import call_analyst
from concierge.agents.voice_dispatcher import voice_dispatcher
from concierge.tools.llm.offline import OfflineChatModel
from concierge.tools.voice.reports import parse_call_report
from tests.agents.helpers import offer, runtime_for, sent_data, ticket_state

OFFERS = [offer("lisbon-estrela-garden-triple"), offer("lisbon-casa-alfama-triple")]
REPORT = {"provider": "simulator", "call_id": "sim-1", "ended_reason": "assistant-ended-call",
          "transcript": "AI: Shall I book it?\nUser: Yes please.", "summary": "Booked.", "success_evaluation": "true"}


async def reported_state(services, report=REPORT):
    return await ticket_state(services, "1001", path="booking", stage="call_reported", offers=OFFERS, call_report=report)


async def test_a_booked_call_goes_to_its_confirmation(rt, services, llm):
    llm.answers["CallAnalysis"] = {"booked": True, "frustrated": False, "reasons": [],
                                   "booked_room_id": "lisbon-estrela-garden-triple", "summary": "Booked the Estrela triple."}
    update = await call_analyst(await reported_state(services), rt)

    assert update["stage"] == "booked_on_call"
    assert update["call_analysis"]["booked_room_id"] == "lisbon-estrela-garden-triple"
    assert "escalation" not in update
    [data] = sent_data(llm, "CallAnalysis")
    assert data["transcript"] == REPORT["transcript"]
    assert data["success_evaluation"] == "true"
    assert data["offers"][0] == {k: OFFERS[0][k] for k in ("room_id", "hotel_name", "room_name", "price_per_night", "currency")}


async def test_a_frustrated_customer_escalates_with_the_reasons(rt, services, llm):
    reasons = ["Customer on the call: “I want to speak to a real person, not a robot.”"]
    llm.answers["CallAnalysis"] = {"booked": False, "frustrated": True, "reasons": reasons, "summary": "Frustrated."}
    update = await call_analyst(await reported_state(services), rt)

    assert update["stage"] == "escalating"
    assert update["escalation"] == {"reasons": reasons, "source": "call"}


async def test_booked_but_frustrated_still_escalates(rt, services, llm):
    llm.answers["CallAnalysis"] = {"booked": True, "frustrated": True, "reasons": ["Customer: “too expensive”"],
                                   "summary": "Booked grudgingly."}
    update = await call_analyst(await reported_state(services), rt)
    assert update["stage"] == "escalating"


async def test_no_booking_without_reasons_escalates_with_the_summary(rt, services, llm):
    llm.answers["CallAnalysis"] = {"booked": False, "frustrated": False, "reasons": [], "summary": "No answer."}
    update = await call_analyst(await reported_state(services), rt)
    assert update["stage"] == "escalating"
    assert update["escalation"]["reasons"] == ["No answer."]


async def simulated_report(services, persona):
    """Place a real simulator call for the offers and play it out; the normalised report comes back."""
    state = await ticket_state(services, "1001", path="booking", phone="+351912345678", offers=OFFERS,
                               profile={"summary": "."})
    call = (await voice_dispatcher(state, runtime_for(services)))["calls"][0]
    return parse_call_report(services.voice.play(call["call_id"], persona)).model_dump()


async def test_offline_engine_reads_a_simulated_booking_call(services):
    offline = dataclasses.replace(services, llm=OfflineChatModel())
    report = await simulated_report(services, "books")
    update = await call_analyst(await reported_state(services, report), runtime_for(offline))

    assert update["stage"] == "booked_on_call"
    assert update["call_analysis"]["booked"] is True
    assert update["call_analysis"]["booked_room_id"] == OFFERS[0]["room_id"]


async def test_offline_engine_reads_a_simulated_frustrated_call(services):
    offline = dataclasses.replace(services, llm=OfflineChatModel())
    report = await simulated_report(services, "frustrated")
    update = await call_analyst(await reported_state(services, report), runtime_for(offline))

    assert update["stage"] == "escalating"
    assert any("real person" in r for r in update["escalation"]["reasons"])


async def test_a_call_where_the_customer_asks_for_a_person_costs_no_llm_call(rt, services, llm):
    report = {**REPORT, "transcript": "AI: Shall I book it?\nUser: No. I want to speak to a real person, not a robot.",
              "success_evaluation": "false"}
    update = await call_analyst(await reported_state(services, report), rt)

    assert llm.calls == []  # the outcome is settled: a person takes it
    assert update["stage"] == "escalating"
    assert any("real person" in r for r in update["escalation"]["reasons"])
