"""The real provider clients against a local server that keeps Groq's OpenAI-compatible contract.

No key and no network: `build_chat_model` builds ChatGroq / ChatOpenAI from settings, and their SDKs
make real HTTP requests to `tests.fakes.groq`, so request building, auth errors, 429 retries and
tool-call parsing are the code that runs in production.
"""

from __future__ import annotations

import json
import time

import groq
import pytest
from langchain_groq import ChatGroq
from langchain_openai import ChatOpenAI

from concierge.schemas import TriageDecision
from concierge.tools.llm import build_chat_model
from concierge.tools.llm.structured import DATA_CLOSE, DATA_OPEN, structured
from tests.conftest import make_settings
from tests.fakes.groq import GROQ_PATH, OPENAI_PATH, FakeGroq, serve_fake_groq

# One event loop for the module: langchain-openai caches its default httpx client per base URL, and
# pooled keep-alive connections must not outlive the loop they were opened on.
pytestmark = pytest.mark.asyncio(loop_scope="module")

SYSTEM = "You triage support tickets for Wayfarer Stays."
TASK = "Triage this ticket."
DATA = {"ticket": {"subject": "Family trip to Lisbon", "body": "Two adults, two kids, 12-16 May. Quiet hotel, €180/night?"}}
DECISION = {
    "path": "booking", "intent": "book_hotel", "sentiment": "positive", "escalation_reasons": [],
    "rationale": "The customer wants to book a family stay in Lisbon.",
}


@pytest.fixture(scope="module")
def fake_server():
    with serve_fake_groq() as fake:
        yield fake


@pytest.fixture
def fake(fake_server) -> FakeGroq:
    fake_server.reset()
    fake_server.tool_args["TriageDecision"] = dict(DECISION)
    return fake_server


def groq_model(tmp_path, fake: FakeGroq, key: str = "gsk_test") -> ChatGroq:
    model = build_chat_model(make_settings(tmp_path, GROQ_API_KEY=key, GROQ_BASE_URL=fake.url))
    assert isinstance(model, ChatGroq)
    return model


def data_block(content: str) -> dict:
    assert content.startswith(TASK)
    inside = content.split(DATA_OPEN, 1)[1].split(DATA_CLOSE, 1)[0]
    return json.loads(inside)


async def test_groq_structured_output_over_http(tmp_path, fake):
    model = groq_model(tmp_path, fake)

    decision = await structured(model, TriageDecision, SYSTEM, TASK, DATA)

    assert decision == TriageDecision(**DECISION)
    [request] = fake.requests
    assert request.path == GROQ_PATH
    assert request.headers["authorization"] == "Bearer gsk_test"
    body = request.body
    assert body["model"] == "llama-3.3-70b-versatile"
    [tool] = body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "TriageDecision"
    params = tool["function"]["parameters"]
    assert set(params["properties"]) == set(TriageDecision.model_json_schema()["properties"])
    assert params["properties"]["path"]["enum"] == ["booking", "support", "escalate"]
    assert set(params["required"]) >= {"path", "intent", "sentiment"}
    assert body["tool_choice"] == {"type": "function", "function": {"name": "TriageDecision"}}
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM}
    assert user["role"] == "user"
    assert data_block(user["content"]) == DATA  # customer text only inside the <data> block


async def test_groq_wrong_key_is_rejected_without_retry(tmp_path, fake):
    model = groq_model(tmp_path, fake, key="gsk_wrong")

    with pytest.raises(groq.AuthenticationError) as caught:
        await structured(model, TriageDecision, SYSTEM, TASK, DATA)

    assert caught.value.status_code == 401
    assert caught.value.body["error"]["code"] == "invalid_api_key"
    assert len(fake.requests) == 1  # a 401 is final: the SDK does not retry it


async def test_groq_rate_limit_is_retried_after_the_retry_after_header(tmp_path, fake):
    fake.rate_limit_first = 1
    model = groq_model(tmp_path, fake)

    started = time.monotonic()
    decision = await structured(model, TriageDecision, SYSTEM, TASK, DATA)

    assert decision.path == "booking"
    assert len(fake.requests) == 2
    assert fake.requests[0].body == fake.requests[1].body
    assert time.monotonic() - started >= 0.9  # waited the Retry-After second


async def test_openai_compatible_server_structured_output(tmp_path, fake):
    fake.api_key = None  # a local OpenAI-compatible server that takes any key
    settings = make_settings(tmp_path, LLM_BASE_URL=fake.url + "/v1", LLM_MODEL="local-model")
    model = build_chat_model(settings)
    assert isinstance(model, ChatOpenAI)

    decision = await structured(model, TriageDecision, SYSTEM, TASK, DATA)

    assert decision == TriageDecision(**DECISION)
    [request] = fake.requests
    assert request.path == OPENAI_PATH
    assert request.headers["authorization"] == "Bearer not-needed"
    body = request.body
    assert body["model"] == "local-model"
    assert [t["function"]["name"] for t in body["tools"]] == ["TriageDecision"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "TriageDecision"}}
    assert data_block(body["messages"][-1]["content"]) == DATA


async def test_openai_compatible_server_with_a_key(tmp_path, fake):
    fake.api_key = "sk-local"
    settings = make_settings(tmp_path, LLM_BASE_URL=fake.url + "/v1", LLM_MODEL="local-model", LLM_API_KEY="sk-local")

    decision = await structured(build_chat_model(settings), TriageDecision, SYSTEM, TASK, DATA)

    assert decision.intent == "book_hotel"
    assert fake.requests[0].headers["authorization"] == "Bearer sk-local"


@pytest.mark.parametrize(("mode", "asked"), [
    ("tool", {"tool_choice": {"type": "function", "function": {"name": "TriageDecision"}}}),
    ("tool_required", {"tool_choice": "required"}),
    ("json_schema", {"response_format": {"type": "json_schema", "json_schema": {"name": "TriageDecision"}}}),
])
async def test_each_structured_output_mode_asks_and_reads_the_answer_its_way(tmp_path, fake, mode, asked):
    fake.api_key = None
    settings = make_settings(tmp_path, LLM_BASE_URL=fake.url + "/v1", LLM_MODEL="local-model", LLM_STRUCTURED_OUTPUT=mode)

    decision = await structured(build_chat_model(settings), TriageDecision, SYSTEM, TASK, DATA)

    assert decision == TriageDecision(**DECISION)
    [request] = fake.requests
    body = request.body
    for key, value in asked.items():
        if key == "response_format":
            assert body[key]["type"] == "json_schema" and body[key]["json_schema"]["name"] == "TriageDecision"
            assert set(body[key]["json_schema"]["schema"]["properties"]) >= {"path", "intent", "sentiment"}
            assert "tools" not in body
        else:
            assert body[key] == value
    assert body["max_tokens"] == 400  # a triage is a small object: its own cap, below LLM_MAX_TOKENS


async def test_an_email_draft_may_use_the_configured_max_tokens(tmp_path, fake):
    from concierge.schemas import EmailDraft

    fake.tool_args["EmailDraft"] = {"subject": "Your stay", "body": "Dear Maria, ..."}
    model = build_chat_model(make_settings(tmp_path, GROQ_API_KEY="gsk_test", GROQ_BASE_URL=fake.url, LLM_MAX_TOKENS="900"))
    await structured(model, EmailDraft, SYSTEM, "Write the offer email.", DATA)
    assert fake.requests[-1].body["max_tokens"] == 900


async def test_an_openai_compatible_server_gets_max_tokens_in_the_body(tmp_path, fake):
    """Ollama, LM Studio and llama-cpp-python read `max_tokens`, not `max_completion_tokens`."""
    from concierge.schemas import EmailDraft

    fake.api_key = None
    fake.tool_args["EmailDraft"] = {"subject": "Your stay", "body": "Dear Maria, ..."}
    settings = make_settings(tmp_path, LLM_BASE_URL=fake.url + "/v1", LLM_MODEL="local-model", LLM_MAX_TOKENS="700")
    await structured(build_chat_model(settings), EmailDraft, SYSTEM, "Write the offer email.", DATA)
    assert fake.requests[-1].body["max_tokens"] == 700
