"""Discord alerts: one embed per alert through a channel webhook, kept within Discord's limits;
a 429 waits the `retry_after` Discord asks for (bounded), other errors are reported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, stop_after_delay

from concierge.tools.alerts.base import Alert, AlertDeliveryError, ticket_link, ticket_of
from concierge.tools.outbound import Policy, UnsafeURL, guarded_client

COLOR = {"success": 0x2EB67D, "escalation": 0xE01E5A, "info": 0x36C5F0}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed_for(alert: Alert, link: str | None) -> dict[str, Any]:
    fields = [{"name": "Ticket", "value": ticket_of(alert), "inline": True}]
    fields += [{"name": _clip(k.capitalize(), 256), "value": _clip(v, 1024), "inline": True} for k, v in alert.fields.items() if v]
    embed: dict[str, Any] = {"title": _clip(alert.title, 256), "description": _clip(alert.text, 4096), "color": COLOR[alert.kind],
             "fields": fields[:25], "footer": {"text": _clip(f"thread {alert.thread_id}", 2048)},
             "timestamp": datetime.now(UTC).isoformat(timespec="seconds")}
    if link:
        embed["url"] = link
    # 6000 characters across the embed: the description gives way first.
    over = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"]) \
        + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"]) - 6000
    if over > 0:
        embed["description"] = _clip(embed["description"], max(len(embed["description"]) - over, 1))
    return embed


def retry_after_of(response: httpx.Response) -> float:
    """How long a 429 asks to wait: the JSON body's `retry_after` (decimal seconds) when there is one,
    else `X-RateLimit-Reset-After` or `Retry-After`; a proxy in front of Discord answers 429 with an
    HTML page, so the body is optional."""
    try:
        body = response.json()
        candidates: list[Any] = [body.get("retry_after") if isinstance(body, dict) else None]
    except ValueError:
        candidates = []
    candidates += [response.headers.get("x-ratelimit-reset-after"), response.headers.get("retry-after")]
    for value in candidates:
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue  # absent, or an HTTP date: try the next
    return 1.0


class _RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after


class DiscordAlerts:
    retry_safe = False  # Discord does not deduplicate webhook messages

    def __init__(self, webhook_url: str, *, ticket_url: str | None = None, max_attempts: int = 4, max_wait_s: float = 30,
                 policy: Policy = Policy()) -> None:
        self.webhook_url = webhook_url
        self.policy = policy  # where the webhook may point (see tools/outbound.py)
        self.ticket_url = ticket_url
        self.max_attempts = max_attempts
        self.max_wait_s = max_wait_s

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(exc, _RateLimited)  # the only exception retried
        return min(exc.retry_after, self.max_wait_s)

    async def send(self, alert: Alert) -> None:
        body = {"embeds": [embed_for(alert, ticket_link(alert, self.ticket_url))], "allowed_mentions": {"parse": []}}
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_RateLimited), reraise=True,
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_wait_s),
            wait=self._wait,
        )
        async with guarded_client(self.policy, timeout=15) as client:
            try:
                async for attempt in retrying:
                    with attempt:
                        response = await client.post(self.webhook_url, params={"wait": "true"}, json=body)
                        if response.status_code == 429:
                            raise _RateLimited(retry_after_of(response))
            except _RateLimited as exc:
                raise AlertDeliveryError(f"Discord kept rate limiting the webhook (retry_after {exc.retry_after}s)") from None
            except UnsafeURL as exc:
                raise AlertDeliveryError(f"DISCORD_WEBHOOK_URL refused: {exc}") from None
        if response.status_code not in (200, 204):
            raise AlertDeliveryError(f"Discord webhook answered {response.status_code}: {response.text[:300]}")
