"""The alert checks against the Slack and Discord fakes: a bot token's auth.test and the scope alerts
need (from `x-oauth-scopes`), an incoming webhook still live, a Discord webhook that exists.
Nothing is posted to a channel."""

from __future__ import annotations

import pytest

from concierge.actions.doctor import check_alerts
from tests.conftest import make_settings
from tests.fakes.discord import WEBHOOK_ID, WEBHOOK_TOKEN, FakeDiscord
from tests.fakes.loopback import running
from tests.fakes.slack import BOT_TOKEN, CHANNEL, WEBHOOK_PATH, FakeSlack


@pytest.fixture
def slack():
    with running(FakeSlack()) as fake:
        yield fake


def part(checks, name):
    return next(c for c in checks if c.part == name)


async def test_a_bot_token_is_checked_with_auth_test_and_its_scopes(tmp_path, slack):
    base = {"ALERTS": "console,slack", "SLACK_API_URL": slack.url + "/api/", "SLACK_CHANNEL": CHANNEL}
    good = part(await check_alerts(make_settings(tmp_path, **base, SLACK_BOT_TOKEN=BOT_TOKEN)), "alerts (slack)")
    assert good.ok and "scopes include chat:write" in good.detail

    bad = part(await check_alerts(make_settings(tmp_path, **base, SLACK_BOT_TOKEN="xoxb-wrong")), "alerts (slack)")
    assert not bad.ok and bad.detail == "auth.test answered 200 OK (invalid_auth)" and "Bot User OAuth Token" in bad.fix

    slack.scopes = "channels:read"  # installed without chat:write
    narrow = part(await check_alerts(make_settings(tmp_path, **base, SLACK_BOT_TOKEN=BOT_TOKEN)), "alerts (slack)")
    assert not narrow.ok and "lacks the scope chat:write" in narrow.detail and "reinstall" in narrow.fix

    no_channel = part(await check_alerts(make_settings(tmp_path, ALERTS="slack", SLACK_BOT_TOKEN=BOT_TOKEN)), "alerts (slack)")
    assert not no_channel.ok and "SLACK_CHANNEL" in no_channel.detail
    assert slack.messages == [] and slack.auth_tests == 3


async def test_webhooks_are_checked_without_posting(tmp_path, slack):
    with running(FakeDiscord()) as discord:
        base = {"ALERTS": "slack,discord"}
        live = await check_alerts(make_settings(tmp_path, **base, SLACK_WEBHOOK_URL=slack.url + WEBHOOK_PATH,
                                                DISCORD_WEBHOOK_URL=f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"))
        dead = await check_alerts(make_settings(tmp_path, **base, SLACK_WEBHOOK_URL=slack.url + "/services/T/B/revoked",
                                                DISCORD_WEBHOOK_URL=f"{discord.url}/api/webhooks/{WEBHOOK_ID}/deleted"))
    assert part(live, "alerts (slack)").ok and part(live, "alerts (discord)").ok
    assert part(dead, "alerts (slack)").detail == "webhook answered 404 Not Found (no_service)"
    assert part(dead, "alerts (discord)").detail == "webhook answered 404 Not Found"
    assert slack.messages == [] and discord.messages == []
