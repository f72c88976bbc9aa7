"""How a send can fail, and the bounded retry every provider shares.

Transient failures (rate limits, 5xx, dropped connections) are retried with backoff, honouring the
provider's Retry-After; a permanent failure (bad address, rejected request) is raised at once as
`PermanentEmailFailure` with the provider's reason, for the thread to record and escalate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

T = TypeVar("T")


class EmailDeliveryError(Exception):
    """The email could not be handed to the provider."""


class TransientEmailFailure(EmailDeliveryError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentEmailFailure(EmailDeliveryError):
    """Sending again will not help: the address or the request is refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_after_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to the exponential backoff


def failure_from_response(provider: str, response: httpx.Response) -> EmailDeliveryError:
    """A typed failure from an HTTP error response: 429 and 5xx are transient, other 4xx permanent."""
    reason = f"{provider} answered {response.status_code}: {response.text[:300]}"
    if response.status_code == 429 or response.status_code >= 500:
        return TransientEmailFailure(reason, retry_after_seconds(response.headers.get("retry-after")))
    return PermanentEmailFailure(reason)


class _Wait:
    """Exponential backoff, or the provider's Retry-After when it gave one (both capped)."""

    def __init__(self, max_wait_s: float) -> None:
        self.max_wait_s = max_wait_s
        self.backoff = wait_exponential(multiplier=0.5, max=max_wait_s)

    def __call__(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, TransientEmailFailure) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_wait_s)
        return self.backoff(retry_state)


async def with_retries(attempt: Callable[[], Awaitable[T]], *, attempts: int, max_wait_s: float) -> T:
    """Run `attempt` until it succeeds, fails permanently, or `attempts` transient failures (the last re-raised)."""
    async for try_ in AsyncRetrying(
        retry=retry_if_exception_type(TransientEmailFailure), stop=stop_after_attempt(attempts),
        wait=_Wait(max_wait_s), reraise=True,
    ):
        with try_:
            return await attempt()
    raise AssertionError("unreachable")  # AsyncRetrying either returns or re-raises


async def post_json(client: httpx.AsyncClient, provider: str, url: str, *, retry_timeouts: bool = True, **kwargs) -> httpx.Response:
    """One POST whose transport errors count as transient and whose error statuses become typed failures.

    A timeout may mean the provider sent the email after all: without `retry_timeouts` (a provider
    that cannot deduplicate) it is raised as it is, so the effects ledger asks a person.
    """
    try:
        response = await client.post(url, **kwargs)
    except httpx.TimeoutException:
        if not retry_timeouts:
            raise
        raise TransientEmailFailure(f"{provider} timed out") from None
    except httpx.TransportError as exc:
        raise TransientEmailFailure(f"{provider} unreachable: {exc!r}") from exc
    if response.is_success:
        return response
    raise failure_from_response(provider, response)
