"""Which failures are worth waiting out (a provider or the LLM briefly unreachable, rate limits)
and which need a person, and how an error reads in the inbox and alerts."""

from __future__ import annotations

import httpx

# Client libraries (openai, groq, anthropic, vapi…) name their transient errors alike.
_TRANSIENT_NAMES = {
    "APIConnectionError", "APITimeoutError", "RateLimitError", "InternalServerError", "ServiceUnavailableError",
    "TransientProviderError", "TransientEmailFailure",
}


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def is_transient(exc: BaseException) -> bool:
    for e in _chain(exc):
        if isinstance(e, (ConnectionError, TimeoutError, httpx.TransportError)):
            return True
        if isinstance(e, httpx.HTTPStatusError) and (e.response.status_code == 429 or e.response.status_code >= 500):
            return True
        if type(e).__name__ in _TRANSIENT_NAMES:
            return True
    return False


def describe(exc: BaseException, limit: int = 500) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
