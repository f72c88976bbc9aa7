"""The LLM: the chat model every step uses, chosen by settings (`build_chat_model`), the one way steps
call it (`structured.py`), what it costs (`usage.py`), the circuit breaker (`breaker.py`), customer
text kept as data (`injection.py`), language detection (`language.py`) and the offline engine that
answers with no key (`offline/`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        )
    from concierge.tools.llm.offline.engine import OFFLINE

    return OFFLINE
