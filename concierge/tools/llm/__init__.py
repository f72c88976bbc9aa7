"""The LLM: the chat model every step uses, chosen by settings (`build_chat_model`), the one way steps
call it (`structured.py`), what it costs (`usage.py`), the circuit breaker (`breaker.py`), customer
text kept as data (`injection.py`), language detection (`language.py`) and the offline engine that
answers with no key (`offline/`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The chat model's metadata key naming how structured answers are asked for (LLM_STRUCTURED_OUTPUT).
STRUCTURED_OUTPUT = "structured_output"
MAX_TOKENS_IN_BODY = "max_tokens_in_body"  # the cap goes as the body's own `max_tokens` (OpenAI-compatible servers)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from concierge.settings import Settings


def build_chat_model(settings: Settings) -> BaseChatModel:
    """Groq when GROQ_API_KEY is set, an OpenAI-compatible server when LLM_BASE_URL is set, else offline."""
    from concierge.tools.outbound import Policy, guarded_sdk_clients

    engine = settings.llm_engine
    if engine == "groq":
        import groq
        from langchain_groq import ChatGroq

        # The SDK's default clients, with every request's destination checked before the key leaves.
        return ChatGroq(
            **guarded_sdk_clients(groq.DefaultHttpxClient, groq.DefaultAsyncHttpxClient, Policy.provider(settings)),
            model=settings.groq_model,
            api_key=settings.groq_api_key,
            base_url=settings.groq_base_url,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            max_tokens=settings.llm_max_tokens,
            metadata={STRUCTURED_OUTPUT: settings.llm_structured_output},
        )
    if engine == "openai-compatible":
        import openai
        from langchain_openai import ChatOpenAI

        # A server of one's own (vLLM, Ollama): private networks allowed.
        return ChatOpenAI(
            **guarded_sdk_clients(openai.DefaultHttpxClient, openai.DefaultAsyncHttpxClient, Policy.own(settings)),
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            # `max_tokens` in the body itself: langchain-openai would send `max_completion_tokens`, which
            # Ollama, LM Studio and llama-cpp-python ignore (generation would not be capped).
            extra_body={"max_tokens": settings.llm_max_tokens},
            metadata={STRUCTURED_OUTPUT: settings.llm_structured_output, MAX_TOKENS_IN_BODY: True},
        )
    from concierge.tools.llm.offline.engine import OFFLINE

    return OFFLINE
