"""Cost per ticket, the per-ticket budget and the circuit breaker, over real HTTP to the fake Groq server.

The fake reports `usage` as Groq does (prompt tokens count the messages and the tool schemas); the
steps run under `metered` exactly as the graph runs them.
"""

from __future__ import annotations

import dataclasses
import json

import groq
import pytest

from concierge.agents.escalation import escalation_note
from concierge.agents.triage import triage
from concierge.graph.metered import metered
from concierge.schemas import TicketReading, TriageDecision
from concierge.services import open_services
from concierge.tools.llm import build_chat_model
from concierge.tools.llm.breaker import CircuitBreaker
from concierge.tools.llm.structured import structured
from concierge.tools.llm.usage import LlmCall, Meter, Prices, metering, on_llm_call
from tests.agents.helpers import runtime_for, ticket_state
from tests.conftest import make_settings
from tests.fakes.groq import prompt_token_count, serve_fake_groq, token_count

pytestmark = pytest.mark.asyncio(loop_scope="module")

READING = {
    "triage": {"path": "booking", "intent": "book_hotel", "sentiment": "positive"},
    "profile": {"name": "Maria Costa", "party_size": 3, "destination": "Lisbon", "summary": "Maria wants Lisbon."},
}


@pytest.fixture(scope="module")
def fake_server():
    with serve_fake_groq() as fake:
        yield fake


@pytest.fixture
def fake(fake_server):
    fake_server.reset()
    fake_server.tool_args["TicketReading"] = dict(READING)
    return fake_server


def groq_settings(tmp_path, fake, **extra):
    return make_settings(tmp_path, GROQ_API_KEY="gsk_test", GROQ_BASE_URL=fake.url, LLM_MAX_RETRIES=0, **extra)


@pytest.fixture
async def opened(tmp_path, kb, fake):
    async def open_with(**extra):
        settings = groq_settings(tmp_path, fake, **extra)
        return open_services(settings, kb=kb, llm=build_chat_model(settings))
    return open_with


async def test_a_call_counts_groq_reported_tokens_and_their_price(tmp_path, fake):
    model = build_chat_model(groq_settings(tmp_path, fake))
    seen: list[LlmCall] = []
    on_llm_call(seen.append)
    meter = Meter(prices=Prices(0.59, 0.79), thread_id="local:1")

    with metering(meter):
        await structured(model, TicketReading, "You read tickets.", "Read this ticket.", {"ticket": {"body": "Lisbon"}})

    [request] = fake.requests
    prompt, completion = prompt_token_count(request.body), token_count(json.dumps(READING))
    assert meter.usage["calls"] == 1
    assert (meter.usage["input_tokens"], meter.usage["output_tokens"]) == (prompt, completion)
    assert meter.usage["cost_usd"] == pytest.approx((prompt * 0.59 + completion * 0.79) / 1e6)
    assert seen[-1] == LlmCall("TicketReading", "llama-3.3-70b-versatile", prompt, completion,
                               meter.usage["cost_usd"], "ok", "local:1")


async def test_a_metered_step_puts_its_usage_in_the_update(opened, fake):
    async with await opened() as services:
        update = await metered("triage", triage)(await ticket_state(services, "1001"), runtime_for(services))

    assert update["path"] == "booking"
    usage = update["llm_usage"]
    assert usage["calls"] == 1 and usage["input_tokens"] == prompt_token_count(fake.requests[0].body)
    assert usage["cost_usd"] > 0
    assert "llm_degraded" not in update


async def test_a_spent_budget_hands_the_ticket_to_a_person_without_calling_the_llm(opened, fake):
    async with await opened(LLM_BUDGET_PER_TICKET=0.001) as services:
        state = await ticket_state(services, "1001", llm_usage={"calls": 3, "cost_usd": 0.0012})
        update = await metered("triage", triage)(state, runtime_for(services))

        assert fake.requests == []
        assert update["stage"] == "escalating"
        assert update["llm_budget_exceeded"] is True
        [reason] = update["escalation"]["reasons"]
        assert "LLM budget reached" in reason and "$0.00100" in reason
        assert update["escalation"]["source"] == "llm_budget"

        # A person retries: the rest of the ticket runs on the offline engine, flagged, and spends nothing.
        again = await metered("triage", triage)({**state, "llm_budget_exceeded": True}, runtime_for(services))
        assert fake.requests == []
        assert again["path"] == "booking" and again["llm_usage"]["offline_calls"] == 1
        assert again["llm_degraded"]["steps"] == ["triage"]
        assert "budget" in again["llm_degraded"]["reasons"][0]


async def test_repeated_server_errors_open_the_breaker_and_the_offline_engine_answers(opened, fake):
    fake.server_errors = -1  # Groq answers 500 to everything
    now = [0.0]
    async with await opened() as services:
        services = dataclasses.replace(services, llm_breaker=CircuitBreaker(failures=2, window_s=60, cooldown_s=30,
                                                                            clock=lambda: now[0]))
        step, rt = metered("triage", triage), runtime_for(services)
        state = await ticket_state(services, "1001")

        with pytest.raises(groq.InternalServerError):  # one failure is an outage to wait out, as before
            await step(state, rt)
        update = await step(state, rt)  # the second within the window opens the breaker

        assert services.llm_breaker.state == "open"
        assert len(fake.requests) == 2
        assert update["path"] == "booking"  # the offline engine read the ticket
        assert update["llm_usage"]["failed_calls"] == 1 and update["llm_usage"]["offline_calls"] == 1
        degraded = update["llm_degraded"]
        assert degraded["steps"] == ["triage"] and "InternalServerError" in degraded["reasons"][0]
        note = escalation_note({**state, **update}, ["Customer asks for a person"])
        assert "Judged by the offline engine, not the LLM, in: triage" in note

        # While open, nothing reaches the provider.
        await step(state, rt)
        assert len(fake.requests) == 2

        # After the cool-down one trial call goes through; it succeeds and the breaker closes.
        fake.server_errors = 0
        now[0] = 31.0
        assert services.llm_breaker.state == "half-open"
        healed = await step(state, rt)
        assert len(fake.requests) == 3
        assert services.llm_breaker.state == "closed"
        assert healed["llm_usage"]["calls"] == 1 and "llm_degraded" not in healed


async def test_triage_decision_still_parses_from_groq(tmp_path, fake):
    fake.tool_args["TriageDecision"] = {"path": "support", "intent": "pets_question", "sentiment": "neutral"}
    decision = await structured(build_chat_model(groq_settings(tmp_path, fake)), TriageDecision, "s", "t", {})
    assert decision.path == "support" and decision.escalation_reasons == []
