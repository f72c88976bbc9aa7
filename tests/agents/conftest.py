"""Node fixtures: the real embedded services (helpdesk, store, outbox, simulator, alerts, session KB)
with a ScriptedChatModel as the LLM. Tests fill `llm.answers` before calling a node."""

from __future__ import annotations

import pytest

from concierge.services import open_services
from tests.agents.helpers import runtime_for
from tests.fakes import ScriptedChatModel


@pytest.fixture
def llm() -> ScriptedChatModel:
    # A reply that names no call time unless a test says otherwise.
    return ScriptedChatModel(answers={"CallTimeRequest": {"call_at_local": None}})


@pytest.fixture
async def services(settings, kb, llm):
    async with open_services(settings, kb=kb, llm=llm) as opened:
        yield opened


@pytest.fixture
def rt(services):
    return runtime_for(services)
