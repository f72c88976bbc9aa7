from __future__ import annotations

import json

from concierge.agents.voice_dispatcher import voice_dispatcher
from concierge.services import open_services
from tests.agents.helpers import apply, call_files, offer, runtime_for, ticket_state
from tests.conftest import make_settings

OFFERS = [offer("lisbon-estrela-garden-triple"), offer("lisbon-casa-alfama-triple")]
PROFILE = {"name": "Maria Costa", "party_size": 3, "destination": "Lisbon", "preferences": ["quiet"],
           "past_friction": ["ticket 768 (2025-05-06): Noisy room at Noite Bairro Alto Hotel"],
           "summary": "Maria wants a quiet room in Lisbon for three."}


async def phone_state(services):
    return await ticket_state(services, "1001", path="booking", stage="phone_found", phone="+351912345678",
                              profile=PROFILE, offers=OFFERS)


async def test_places_exactly_one_call_briefed_on_offers_and_discount_cap(rt, services, settings):
    update = await voice_dispatcher(await phone_state(services), rt)

    [path] = call_files(settings.calls_dir)
    record = json.loads(path.read_text())
    [call] = update["calls"]
    assert record["id"] == call["call_id"] == path.stem
    assert call["provider"] == "simulator" and call["to"] == "+351912345678"

    request = record["request"]
    assert request["to"] == "+351912345678"
    assert request["offers"] == OFFERS
    prompt = request["system_prompt"]
    for o in OFFERS:
        assert f"{o['hotel_name']}, {o['room_name']}" in prompt
        assert f"{o['price_per_night']:.0f} {o['currency']}/night" in prompt
    assert f"at most {settings.max_discount_pct:.0f}% off" in prompt
    assert request["max_discount_pct"] == settings.max_discount_pct
    assert "Noisy room at Noite Bairro Alto Hotel" in prompt  # past friction briefed
    assert "Maria" in request["first_message"]

    assert update["stage"] == "call_placed"
    assert update["call_report"] is None and update["call_analysis"] is None
    assert await services.store.thread_for(f"call:{call['call_id']}") == "local:1001"
    assert "+351912345678" not in update["log"][-1]["text"]  # the number is masked


async def test_the_discount_cap_comes_from_settings(tmp_path, kb, llm):
    settings = make_settings(tmp_path / "data", MAX_DISCOUNT_PCT=15)
    async with open_services(settings, kb=kb, llm=llm) as services:
        await voice_dispatcher(await phone_state(services), runtime_for(services))
    [path] = call_files(settings.calls_dir)
    request = json.loads(path.read_text())["request"]
    assert "at most 15% off" in request["system_prompt"]
    assert request["max_discount_pct"] == 15


async def test_rerunning_the_same_state_places_no_second_call(rt, services, settings):
    state = await phone_state(services)
    first = await voice_dispatcher(state, rt)
    again = await voice_dispatcher(state, rt)

    assert len(call_files(settings.calls_dir)) == 1
    assert again["calls"][0]["call_id"] == first["calls"][0]["call_id"]
    assert "already placed" in again["log"][-1]["text"]


async def test_a_retry_after_a_call_places_a_new_call(rt, services, settings):
    state = await phone_state(services)
    state = apply(state, await voice_dispatcher(state, rt))
    second = await voice_dispatcher(state, rt)

    assert len(call_files(settings.calls_dir)) == 2
    assert second["calls"][0]["call_id"] != state["calls"][0]["call_id"]
    assert "already placed" not in second["log"][-1]["text"]
