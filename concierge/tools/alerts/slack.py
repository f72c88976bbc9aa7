"""Slack alerts with slack-sdk: a Block Kit message (ticket link, customer, outcome, summary, reasons)
through an incoming webhook, or through a bot token and channel (`chat.postMessage`). With a bot
token an escalation carries a button per decision the thread allows; the decision comes back on
`/api/v1/webhooks/slack/actions`, and the message is then edited to show who decided what. Those
requests are verified with Slack's request signing (`SlackSignature`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from concierge.tools.alerts.base import Alert, AlertDeliveryError, ticket_link, ticket_of
from concierge.tools.outbound import Policy, UnsafeURL, check_url
from concierge.tools.signing import InboundRequest, WebhookAuthError

EMOJI = {"success": ":white_check_mark:", "escalation": ":rotating_light:", "info": ":information_source:"}
OUTCOME = {"success": "Resolved by Concierge", "escalation": "Needs a human", "info": "Update"}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


BUTTONS = {"handoff": "Take over", "retry": "Retry", "close": "Close", "approve": "Approve"}
DECISIONS_BLOCK = "concierge_decisions"


def decision_buttons(alert: Alert) -> dict[str, Any]:
    """An actions block with a button per decision the thread allows; each names the wait it answers."""
    def button(action: str) -> dict[str, Any]:
        value = json.dumps({"thread_id": alert.thread_id, "action": action, "escalation": alert.escalation})
        return {"type": "button", "action_id": f"concierge_{action}", "text": {"type": "plain_text", "text": BUTTONS[action]},
                "value": value, **({"style": "primary"} if action == "handoff" else {})}

    return {"type": "actions", "block_id": DECISIONS_BLOCK, "elements": [button(a) for a in BUTTONS if a in alert.decisions]}


def decided_blocks(blocks: list[dict[str, Any]], line: str) -> list[dict[str, Any]]:
    """The alert's blocks without its decision buttons, with who decided what."""
    kept = [b for b in blocks if b.get("block_id") != DECISIONS_BLOCK]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(line, 3000)}]}]


def blocks_for(alert: Alert, link: str | None) -> list[dict[str, Any]]:
    """Header, the text (summary or escalation reasons), up to 10 fields, and a button to the ticket."""
    fields = {"Ticket": f"<{link}|{ticket_of(alert)}>" if link else ticket_of(alert), "Outcome": OUTCOME[alert.kind],
              **{k.capitalize(): v for k, v in alert.fields.items() if v}}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(f"{alert.title}", 150), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(f"{EMOJI[alert.kind]} {alert.text}", 3000)},
         "fields": [{"type": "mrkdwn", "text": _clip(f"*{k}*\n{v}", 2000)} for k, v in list(fields.items())[:10]]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"thread `{alert.thread_id}`"}]},
    ]
    if link:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open ticket"}, "url": link}]})
    return blocks


class SlackAlerts:
    retry_safe = False  # Slack does not deduplicate messages

    def __init__(self, *, webhook_url: str | None = None, bot_token: str | None = None, channel: str | None = None,
                 ticket_url: str | None = None, api_url: str = "https://slack.com/api/", max_retries: int = 3,
                 message_index: Path | None = None, policy: Policy = Policy()) -> None:
        if not webhook_url and not (bot_token and channel):
            raise ValueError("Slack alerts need SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL")
        # The SDK's own 429 handler sleeps per Retry-After; the sync clients run in a worker thread
        # (the async ones need aiohttp, which nothing else here uses).
        retry: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=max_retries)]
        self.webhook = WebhookClient(webhook_url, timeout=15, retry_handlers=retry) if webhook_url else None
        self.web = None if webhook_url else WebClient(token=bot_token, base_url=api_url, timeout=15, retry_handlers=retry)
        # The SDK sends with urllib, so each destination is checked here before the token or webhook leaves.
        self.destination, self.policy = webhook_url or api_url, policy
        self.channel = channel
        self.ticket_url = ticket_url
        # Bot mode: the message posted for each thread (channel, ts), so later alerts edit it in place.
        self.message_index = message_index

    async def send(self, alert: Alert) -> None:
        blocks = blocks_for(alert, ticket_link(alert, self.ticket_url))
        if self.web is not None and alert.decisions:  # buttons need the app's interactivity, i.e. a bot
            blocks.append(decision_buttons(alert))
        fallback = _clip(f"{alert.title} — {alert.text}", 3000)
        await self._check_destination()
        if self.webhook is not None:
            response = await asyncio.to_thread(self.webhook.send, text=fallback, blocks=blocks, unfurl_links=False)
            # The SDK does not raise on HTTP errors: success is exactly 200 "ok".
            if not (response.status_code == 200 and response.body == "ok"):
                raise AlertDeliveryError(f"Slack webhook answered {response.status_code}: {response.body}")
            return
        assert self.web is not None and self.channel  # no webhook: __init__ made a bot client for a channel
        posted = await asyncio.to_thread(self._messages)
        earlier = posted.get(alert.thread_id)
        try:
            if earlier:
                await asyncio.to_thread(self.web.chat_update, channel=earlier["channel"], ts=earlier["ts"], text=fallback,
                                        blocks=blocks)
                return
            message = await asyncio.to_thread(self.web.chat_postMessage, channel=self.channel, text=fallback, blocks=blocks,
                                              unfurl_links=False)
        except SlackApiError as exc:
            raise AlertDeliveryError(f"Slack {'chat.update' if earlier else 'chat.postMessage'} failed: "
                                     f"{exc.response.get('error')}") from exc
        posted[alert.thread_id] = {"channel": message["channel"], "ts": message["ts"]}
        await asyncio.to_thread(self._save, posted)

    async def show_decision(self, *, channel: str, ts: str, blocks: list[dict[str, Any]], line: str,
                            response_url: str | None = None) -> None:
        """Edit the alert to show who decided what (chat.update with a bot token, else the action's response_url)."""
        updated = decided_blocks(blocks, line)
        if self.web is not None:
            await self._check_destination()
            try:
                await asyncio.to_thread(self.web.chat_update, channel=channel, ts=ts, text=line, blocks=updated)
            except SlackApiError as exc:
                raise AlertDeliveryError(f"Slack chat.update failed: {exc.response.get('error')}") from exc
            return
        if response_url:
            await respond(response_url, {"replace_original": True, "text": line, "blocks": updated})

    async def _check_destination(self) -> None:
        try:
            await check_url(self.destination, self.policy)
        except (UnsafeURL, OSError) as exc:
            raise AlertDeliveryError(f"Slack destination refused: {exc}") from None

    def _messages(self) -> dict[str, dict[str, str]]:
        if self.message_index is None or not self.message_index.exists():
            return {}
        return json.loads(self.message_index.read_text())

    def _save(self, posted: dict[str, dict[str, str]]) -> None:
        if self.message_index is not None:
            self.message_index.parent.mkdir(parents=True, exist_ok=True)
            self.message_index.write_text(json.dumps(posted))


async def respond(response_url: str, body: dict[str, Any]) -> None:
    """Answer an interaction through its response_url (replace the message, or tell the clicker alone)."""
    response = await asyncio.to_thread(WebhookClient(response_url, timeout=15).send_dict, body)
    if response.status_code != 200:
        raise AlertDeliveryError(f"Slack response_url answered {response.status_code}: {response.body}")


class SlackSignature:
    """Slack's request signing (`X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:<ts>:" + body)>`,
    `X-Slack-Request-Timestamp`), checked by slack-sdk's `SignatureVerifier` (five-minute window)."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        from slack_sdk.signature import Clock, SignatureVerifier

        class _Clock(Clock):
            def now(self) -> float:
                return clock()

        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret, clock=_Clock())

    def verify(self, request: InboundRequest) -> None:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not timestamp or not signature:
            raise WebhookAuthError("missing X-Slack-Signature or X-Slack-Request-Timestamp header")
        if not timestamp.isdigit():
            raise WebhookAuthError("malformed X-Slack-Request-Timestamp header")
        if abs(self.clock() - int(timestamp)) > 300:
            raise WebhookAuthError("signature timestamp is outside the allowed window")
        if not self.verifier.is_valid(request.body, timestamp, signature):
            raise WebhookAuthError("signature does not match")
