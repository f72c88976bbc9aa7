"""A LangChain callback that counts every chat-model call and its tokens for Prometheus
(`concierge_llm_calls`, `concierge_llm_tokens`), and failed calls as provider errors."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.outputs import LLMResult

from concierge.observability.metrics import LLM_CALLS, LLM_TOKENS, PROVIDER_ERRORS
from concierge.tools.failures import is_transient


class LLMMetrics(AsyncCallbackHandler):
    """A LangChain callback counting every chat model call and its tokens."""

    def __init__(self) -> None:
        self._models: dict[Any, str] = {}  # run id -> the model it called, until the call ends

    async def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: Any, **kwargs: Any) -> None:
        serialized = serialized or {}
        params = kwargs.get("invocation_params") or {}
        self._models[run_id] = str(params.get("model") or params.get("model_name") or (serialized.get("kwargs") or {}).get("model")
                                   or (serialized.get("id") or ["unknown"])[-1])

    async def on_llm_end(self, response: LLMResult, *, run_id: Any = None, **kwargs: Any) -> None:
        model = self._models.pop(run_id, "unknown")
        usage: dict[str, Any] = {}
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                meta = getattr(message, "response_metadata", None) or {}
                model = meta.get("model_name") or model
                usage = getattr(message, "usage_metadata", None) or usage
        LLM_CALLS.labels(model, "ok").inc()
        LLM_TOKENS.labels(model, "input").inc(usage.get("input_tokens", 0))
        LLM_TOKENS.labels(model, "output").inc(usage.get("output_tokens", 0))

    async def on_llm_error(self, error: BaseException, *, run_id: Any = None, **kwargs: Any) -> None:
        LLM_CALLS.labels(self._models.pop(run_id, "unknown"), "error").inc()
        PROVIDER_ERRORS.labels("llm", str(is_transient(error)).lower()).inc()


LLM_CALLBACK = LLMMetrics()
