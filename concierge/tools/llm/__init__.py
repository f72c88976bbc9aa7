"""The chat model every LLM step uses, chosen by settings, and the one way steps call it."""

from __future__ import annotations

import json
import weakref
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel

from concierge.observability.metrics import LLM_CALLBACK
from concierge.settings import Settings
from concierge.tools.llm.offline import OfflineChatModel

T = TypeVar("T", bound=BaseModel)

DATA_OPEN, DATA_CLOSE = "<data>", "</data>"


def build_chat_model(settings: Settings) -> BaseChatModel:
    """Groq when GROQ_API_KEY is set, an OpenAI-compatible server when LLM_BASE_URL is set, else offline."""
    engine = settings.llm_engine
    if engine == "groq":
        from langchain_groq import ChatGroq

        return ChatGroq(
            model=settings.groq_model,
            api_key=settings.groq_api_key,
            base_url=settings.groq_base_url,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s,
            max_retries=3,
        )
    if engine == "openai-compatible":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s,
            max_retries=3,
        )
    return OfflineChatModel()


def data_message(task: str, data: dict[str, Any]) -> HumanMessage:
    """Customer text travels inside a <data> block: it is material to read, never instructions."""
    payload = json.dumps(data, ensure_ascii=False, indent=1, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return HumanMessage(content=f"{task}\n\n{DATA_OPEN}\n{payload}\n{DATA_CLOSE}")


# Binding a schema as a tool converts it to JSON schema (milliseconds of CPU per call, on the
# event loop): done once per model and schema.
_BOUND: dict[tuple[int, type], tuple[weakref.ref, Runnable]] = {}


def _bound(model: BaseChatModel, schema: type[BaseModel]) -> Runnable:
    key = (id(model), schema)
    cached = _BOUND.get(key)
    if cached is None or cached[0]() is not model:  # a new model that reuses a dead one's id
        cached = _BOUND[key] = (weakref.ref(model), model.with_structured_output(schema, method="function_calling"))
    return cached[1]


async def structured(model: BaseChatModel, schema: type[T], system: str, task: str, data: dict[str, Any]) -> T:
    """Ask `model` for one `schema` object about `data`."""
    runnable = _bound(model, schema)
    result = await runnable.ainvoke([SystemMessage(content=system), data_message(task, data)], config={"callbacks": [LLM_CALLBACK]})
    if isinstance(result, dict):  # some providers hand back the raw arguments
        result = schema.model_validate(result)
    return result
