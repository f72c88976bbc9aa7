"""The one way steps call the chat model: `structured` asks for one pydantic object about some data.

Every LLM call goes through it: it counts tokens and dollars on the running step's
meter (`usage.py`), stops at the ticket's budget, and sends calls to the offline engine while the
circuit breaker is open (`breaker.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from concierge.settings import Settings
from concierge.tools.llm import MAX_TOKENS_IN_BODY, STRUCTURED_OUTPUT
from concierge.tools.llm.injection import clean_data
from concierge.tools.llm.metrics import LLM_CALLBACK
from concierge.tools.llm.offline.engine import OFFLINE, OfflineChatModel
from concierge.tools.llm.schema import tool_for
from concierge.tools.llm.usage import LlmCall, Meter, Prices, current_meter, record_call

T = TypeVar("T", bound=BaseModel)

DATA_OPEN, DATA_CLOSE = "<data>", "</data>"


class BudgetExceeded(Exception):
    """The ticket spent its LLM budget: a person takes it from here."""

    def __init__(self, spent: float, budget: float) -> None:
        super().__init__(f"the ticket's LLM spend ${spent:.5f} reached its budget ${budget:.5f} (LLM_BUDGET_PER_TICKET)")
        self.spent, self.budget = spent, budget


def prices_of(settings: Settings) -> Prices:
    return Prices(settings.llm_price_input_per_mtok, settings.llm_price_output_per_mtok)


def data_message(task: str, data: dict[str, Any]) -> HumanMessage:
    """Customer text travels inside a <data> block: it is material to read, never instructions."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return HumanMessage(content=f"{task}\n\n{DATA_OPEN}\n{payload}\n{DATA_CLOSE}")


def model_name(model: BaseChatModel) -> str:
    return str(getattr(model, "model_name", None) or getattr(model, "model", None) or model._llm_type)


# The most tokens each kind of answer may take: a reading or a verdict is a small object; an email
# draft (and anything not listed) may use the model's LLM_MAX_TOKENS.
MAX_TOKENS = {"TriageDecision": 400, "ReplyMood": 300, "CallTimeRequest": 200, "TicketReading": 800,
              "CustomerProfile": 700, "CallAnalysis": 700}
_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$")


def _parse(schema: type[T], message: BaseMessage) -> T:
    calls = getattr(message, "tool_calls", None) or []
    if not calls:
        raise ValueError(f"the model answered without calling {schema.__name__}")
    return schema.model_validate(calls[0]["args"])


def _parse_json(schema: type[T], message: BaseMessage) -> T:
    content = message.content if isinstance(message.content, str) else ""
    if not content.strip():
        raise ValueError(f"the model answered no {schema.__name__} JSON")
    return schema.model_validate_json(_FENCE.sub("", content))


def _bound(model: BaseChatModel, schema: type[BaseModel]):
    """The model set up to answer one `schema` object, as LLM_STRUCTURED_OUTPUT says."""
    metadata = model.metadata or {}
    limit: dict[str, Any] = {}
    if schema.__name__ in MAX_TOKENS and not isinstance(model, OfflineChatModel):
        cap = MAX_TOKENS[schema.__name__]
        limit = {"extra_body": {"max_tokens": cap}} if metadata.get(MAX_TOKENS_IN_BODY) else {"max_tokens": cap}
    mode = metadata.get(STRUCTURED_OUTPUT, "tool")
    tool = tool_for(schema)
    if mode == "json_schema":
        return model.bind(response_format={"type": "json_schema", "json_schema": {
            "name": schema.__name__, "schema": tool["function"]["parameters"]}}, **limit), _parse_json
    return model.bind_tools([tool], tool_choice="required" if mode == "tool_required" else schema.__name__, **limit), _parse


async def _ask(model: BaseChatModel, schema: type[T], messages: list[BaseMessage]) -> tuple[T, AIMessage]:
    bound, parse = _bound(model, schema)
    message = await bound.ainvoke(messages, config={"callbacks": [LLM_CALLBACK]})  # Prometheus: calls and tokens
    return parse(schema, message), message


async def _offline(schema: type[T], messages: list[BaseMessage], meter: Meter | None, why: str | None) -> T:
    result, _ = await _ask(OFFLINE, schema, messages)
    if meter is not None and why and why not in meter.fallbacks:
        meter.fallbacks.append(why)
    record_call(LlmCall(schema.__name__, OFFLINE._llm_type, outcome="offline", thread_id=meter.thread_id if meter else None))
    return result


async def structured(model: BaseChatModel, schema: type[T], system: str, task: str, data: dict[str, Any]) -> T:
    """Ask `model` for one `schema` object about `data` (within the running step's budget and breaker)."""
    meter = current_meter()
    data, removed = clean_data(data)
    if meter is not None:
        meter.injections.extend(r for r in removed if r not in meter.injections)
    messages = [SystemMessage(content=system), data_message(task, data)]
    if isinstance(model, OfflineChatModel):
        return await _offline(schema, messages, meter, None)
    breaker = meter.breaker if meter else None
    if meter is not None and meter.over_budget():
        if not meter.budget_already_hit:
            raise BudgetExceeded(meter.spent, meter.budget_usd or 0.0)
        return await _offline(schema, messages, meter, "the ticket's LLM budget is spent")
    if breaker is not None and not breaker.allow():
        return await _offline(schema, messages, meter, breaker.describe())
    name, thread = model_name(model), meter.thread_id if meter else None
    try:
        result, message = await _ask(model, schema, messages)
    except Exception as e:
        record_call(LlmCall(schema.__name__, name, outcome="failed", thread_id=thread))
        if breaker is None:
            raise
        breaker.failed(f"{type(e).__name__}: {str(e)[:200]}")
        if breaker.state == "closed":
            raise  # not yet a pattern: the step waits the outage out as before
        return await _offline(schema, messages, meter, breaker.describe())
    if breaker is not None:
        breaker.succeeded()
    tokens: Mapping[str, Any] = message.usage_metadata or {}
    used_in, used_out = tokens.get("input_tokens", 0), tokens.get("output_tokens", 0)
    cost = (meter.prices if meter else Prices()).cost(used_in, used_out)
    record_call(LlmCall(schema.__name__, name, used_in, used_out, cost, thread_id=thread))
    return result
