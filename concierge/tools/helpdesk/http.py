"""What every hosted helpdesk connector shares: one httpx client, bounded retries on 429/5xx that
honour `Retry-After` and rate-limit reset headers, and 4xx errors that say what is wrong."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_after_delay

from concierge.tools.helpdesk.base import TicketNotFound
from concierge.tools.outbound import GuardedTransport, Policy

logger = logging.getLogger(__name__)

RETRYABLE = {429, 500, 502, 503, 504}


class HelpdeskError(RuntimeError):
    """The helpdesk refused the request; the message says why and what to fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HelpdeskUnavailable(ConnectionError):
    """429/5xx or no connection, still failing after the bounded retries. A ConnectionError, so the
    job queue keeps the ticket's event and tries it again later instead of giving up on it."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Retry(Exception):
    def __init__(self, response: httpx.Response | None, error: Exception | None = None) -> None:
        self.response, self.error = response, error


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait: `Retry-After` (seconds or a date), else a reset header."""
    headers = response.headers
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    reset = headers.get("X-RateLimit-Reset") or headers.get("ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset))  # Zendesk: seconds until the window resets
        except ValueError:
            try:  # Jira: an ISO timestamp
                return max(0.0, (datetime.fromisoformat(reset.replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds())
            except ValueError:
                pass
    return None


def marker_for(idempotency_key: str) -> str:
    """A short tag written into a note so a retry after a crash can find the note it already wrote."""
    return "concierge-ref:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


class HelpdeskHttp:
    """An httpx client for one helpdesk: `request` retries what is worth retrying, and turns the rest
    into `TicketNotFound` (404 on a ticket) or `HelpdeskError` with the provider's reason."""

    def __init__(self, name: str, base_url: str, *, auth: httpx.Auth | None = None, headers: dict[str, str] | None = None,
                 explain: Callable[[httpx.Response], str] | None = None, max_attempts: int = 5,
                 max_wait_s: float = 60.0, timeout_s: float = 30.0, policy: Policy = Policy()) -> None:
        self.name = name
        # Every request's destination is checked before the credentials leave (see tools/outbound.py).
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), auth=auth, headers=headers or {}, timeout=timeout_s,
                                        transport=GuardedTransport(policy))
        self.explain = explain or (lambda r: r.text[:300])
        self.max_attempts = max_attempts
        self.max_wait_s = max_wait_s

    async def aclose(self) -> None:
        await self.client.aclose()

    def _wait(self, state) -> float:
        exc = state.outcome.exception()
        asked = retry_after_s(exc.response) if isinstance(exc, _Retry) and exc.response is not None else None
        backoff = min(0.5 * 2 ** (state.attempt_number - 1), 8.0)
        return min(asked if asked is not None else backoff, self.max_wait_s)

    async def request(self, method: str, path: str, *, not_found: str | None = None, **kwargs: Any) -> httpx.Response:
        started = time.monotonic()
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, _Retry)),
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_wait_s),
            wait=self._wait, reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        response = await self.client.request(method, path, **kwargs)
                    except httpx.TransportError as exc:
                        raise _Retry(None, exc) from exc
                    if response.status_code in RETRYABLE:
                        logger.info("%s %s %s -> %s; retrying", self.name, method, path, response.status_code)
                        raise _Retry(response)
        except _Retry as exc:
            waited = time.monotonic() - started
            if exc.response is None:
                raise HelpdeskUnavailable(f"{self.name} is unreachable ({exc.error}) after {waited:.0f}s of retries") from exc.error
            raise HelpdeskUnavailable(
                f"{self.name} answered {exc.response.status_code} to {method} {path} after {waited:.0f}s of retries: "
                f"{self.explain(exc.response)}", exc.response.status_code,
            ) from None
        if response.status_code == 404 and not_found:
            raise TicketNotFound(not_found)
        if response.status_code >= 400:
            raise HelpdeskError(self._describe(method, path, response), response.status_code)
        return response

    def _describe(self, method: str, path: str, response: httpx.Response) -> str:
        reason = self.explain(response)
        hint = {
            401: "the credentials were refused — check the token (and that it belongs to this account)",
            403: "the credentials lack a permission or scope this call needs",
            404: "not found",
        }.get(response.status_code, "the request was rejected")
        return f"{self.name} {method} {path} -> {response.status_code}: {hint}. {self.name} says: {reason}"

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return {}
        return response.json()


class HttpConnector:
    """What a hosted connector does with its client: `open()` makes it (`self._http`), `close()`
    closes it, and `http` is it, once opened."""

    _http: HelpdeskHttp | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    @property
    def http(self) -> HelpdeskHttp:
        assert self._http is not None, "open() comes first"
        return self._http
