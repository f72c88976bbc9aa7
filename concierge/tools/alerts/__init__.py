"""Team alerts: the local record (and console) always, plus Slack and Discord when `ALERTS` names them."""

from __future__ import annotations

import asyncio
import logging

from rich.console import Console

from concierge.settings import Settings
from concierge.tools.alerts.base import Alert, AlertDeliveryError, AlertSink
from concierge.tools.alerts.console import LocalAlerts
from concierge.tools.outbound import Policy

logger = logging.getLogger(__name__)


class FanOutAlerts:
    """Writes the local record first, then every remote destination; a destination that still fails
    after its own retries is logged, so an alert never blocks or loses the ticket's outcome."""

    def __init__(self, record: LocalAlerts, remote: dict[str, AlertSink]) -> None:
        self.record = record
        self.remote = remote
        # Slack and Discord keep no idempotency key: with them, a repeat could post twice.
        self.retry_safe = all(sink.retry_safe for sink in [record, *remote.values()])
        self.failures: list[tuple[str, str, str]] = []  # (destination, idempotency key, error)

    async def send(self, alert: Alert) -> None:
        await self.record.send(alert)
        results = await asyncio.gather(*(sink.send(alert) for sink in self.remote.values()), return_exceptions=True)
        for name, result in zip(self.remote, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("alert %s not delivered to %s: %s", alert.idempotency_key, name, result)
                self.failures.append((name, alert.idempotency_key, str(result)))

    def read(self) -> list[dict]:
        return self.record.read()


def build_alerts(settings: Settings, console: Console | None = None) -> FanOutAlerts:
    wanted = settings.alert_destinations
    record = LocalAlerts(settings.alerts_file, console=console if "console" in wanted and settings.alerts_console else None)
    remote: dict[str, AlertSink] = {}
    if "slack" in wanted:
        from concierge.tools.alerts.slack import SlackAlerts

        remote["slack"] = SlackAlerts(
            webhook_url=settings.slack_webhook_url.get_secret_value() if settings.slack_webhook_url else None,
            bot_token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
            channel=settings.slack_channel, ticket_url=settings.helpdesk_ticket_url, api_url=settings.slack_api_url,
            message_index=settings.data_dir / "slack_messages.json", policy=Policy.provider(settings),
        )
    if "discord" in wanted:
        from concierge.tools.alerts.discord import DiscordAlerts

        if not settings.discord_webhook_url:
            raise ValueError("ALERTS names discord but DISCORD_WEBHOOK_URL is not set")
        remote["discord"] = DiscordAlerts(settings.discord_webhook_url.get_secret_value(), ticket_url=settings.helpdesk_ticket_url,
                                          policy=Policy.provider(settings))
    return FanOutAlerts(record, remote)


__all__ = ["Alert", "AlertDeliveryError", "AlertSink", "FanOutAlerts", "LocalAlerts", "build_alerts"]
