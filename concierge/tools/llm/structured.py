"""The one way steps call the chat model: `structured` asks for one pydantic object about some data.

Every LLM call goes through it: it counts tokens and dollars on the running step's
meter (`usage.py`), stops at the ticket's budget, and sends calls to the offline engine while the
circuit breaker is open (`breaker.py`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from concierge.settings import Settings
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


def _parse(schema: type[T], message: BaseMessage) -> T:
    calls = getattr(message, "tool_calls", None) or []
    if not calls:
        raise ValueError(f"the model answered without calling {schema.__name__}")
    return schema.model_validate(calls[0]["args"])


async def _ask(model: BaseChatModel, schema: type[T], messages: list[BaseMessage]) -> tuple[T, AIMessage]:
    message = await model.bind_tools([tool_for(schema)], tool_choice=schema.__name__).ainvoke(
        messages, config={"callbacks": [LLM_CALLBACK]})  # Prometheus: calls and tokens
    return _parse(schema, message), message


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
