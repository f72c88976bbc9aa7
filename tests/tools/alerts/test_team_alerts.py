"""Team alerts against the Slack and Discord fakes: the escalation reaches both with the ticket link,
customer, outcome and reasons; rate limits are waited out; a destination that fails loses nothing."""

from __future__ import annotations

import time

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.alerts import Alert, AlertDeliveryError
from concierge.tools.alerts.discord import DiscordAlerts
from concierge.tools.alerts.slack import SlackAlerts
from tests.conftest import make_settings
from tests.fakes.discord import WEBHOOK_ID, WEBHOOK_TOKEN, FakeDiscord
from tests.fakes.loopback import LOCAL, running
from tests.fakes.slack import BOT_TOKEN, CHANNEL, WEBHOOK_PATH, FakeSlack
from tests.server import alerts, asgi_client, assign

TICKET_URL = "https://wayfarer.zendesk.com/agent/tickets/{ticket_id}"


@pytest.fixture
def slack():
    with running(FakeSlack()) as fake:
        yield fake


@pytest.fixture
def discord():
    with running(FakeDiscord()) as fake:
        yield fake


def alert(text: str = "Customer asks for a human.") -> Alert:
    return Alert(kind="escalation", thread_id="zendesk:1003", title="Ticket 1003 needs a person", text=text,
                 fields={"customer": "Richard Hale", "path": "escalate"}, idempotency_key="k1")


async def test_an_escalation_reaches_slack_and_discord_through_rate_limits(tmp_path, kb, slack, discord):
    slack.faults.storm = 1
    discord.faults.storm = 2
    settings = make_settings(tmp_path / "data", **{
        "ALERTS": "console,slack,discord", "SLACK_WEBHOOK_URL": slack.url + WEBHOOK_PATH,
        "DISCORD_WEBHOOK_URL": f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}", "HELPDESK_TICKET_URL": TICKET_URL,
    })
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        [record] = alerts(runtime)
    [message] = slack.messages
    text = str(message["blocks"])
    assert "https://wayfarer.zendesk.com/agent/tickets/1003" in text and "Richard Hale" in text
    assert "Needs a human" in text and "real person NOW" in text
    [posted] = discord.messages
    [embed] = posted["embeds"]
    assert embed["url"].endswith("/tickets/1003") and "real person NOW" in embed["description"]
    assert {"name": "Customer", "value": "Richard Hale", "inline": True} in embed["fields"]
    assert record["kind"] == "escalation" and slack.faults.throttled == 1 and discord.faults.throttled == 2


async def test_a_destination_that_fails_does_not_block_or_lose_the_outcome(tmp_path, kb, slack):
    settings = make_settings(tmp_path / "data", **{
        "ALERTS": "slack,discord", "SLACK_WEBHOOK_URL": slack.url + WEBHOOK_PATH,
        "DISCORD_WEBHOOK_URL": "http://127.0.0.1:9/api/webhooks/1/gone",  # nothing listens there
    })
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        detail = await assign(client, runtime, "1003")
        assert detail["waiting_for"] == "human" and detail["outcome"]["status"] == "escalated"
        assert [a["kind"] for a in alerts(runtime)] == ["escalation"]
        [(destination, _, error)] = runtime.services.alerts.failures
        assert destination == "discord"
    assert len(slack.messages) == 1


async def test_long_text_is_kept_within_slack_and_discord_limits(slack, discord):
    long = alert("word " * 2000)
    await SlackAlerts(webhook_url=slack.url + WEBHOOK_PATH, ticket_url=TICKET_URL, policy=LOCAL).send(long)
    await DiscordAlerts(f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}", policy=LOCAL).send(long)
    assert len(slack.messages) == 1 and len(discord.messages) == 1


async def test_slack_bot_token_posts_to_the_channel_and_a_bad_token_says_so(slack):
    await SlackAlerts(bot_token=BOT_TOKEN, channel=CHANNEL, api_url=slack.url + "/api/", policy=LOCAL).send(alert())
    assert slack.messages[0]["channel"] == CHANNEL
    with pytest.raises(AlertDeliveryError, match="invalid_auth"):
        await SlackAlerts(bot_token="xoxb-wrong", channel=CHANNEL, api_url=slack.url + "/api/", policy=LOCAL).send(alert())


async def test_errors_are_reported_and_a_429_storm_gives_up_bounded(slack, discord):
    with pytest.raises(AlertDeliveryError, match="404.*Unknown Webhook"):
        await DiscordAlerts(f"{discord.url}/api/webhooks/{WEBHOOK_ID}/wrong", policy=LOCAL).send(alert())
    discord.faults.storm = 100
    with pytest.raises(AlertDeliveryError, match="rate limiting"):
        await DiscordAlerts(f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}", max_attempts=3, policy=LOCAL).send(alert())
    assert discord.faults.throttled == 3
    slack.faults.storm = 100
    with pytest.raises(AlertDeliveryError, match="429"):
        await SlackAlerts(webhook_url=slack.url + WEBHOOK_PATH, max_retries=2, policy=LOCAL).send(alert())
    assert slack.faults.throttled == 3


async def test_with_a_bot_token_a_later_alert_edits_the_threads_message(tmp_path, kb, slack):
    settings = make_settings(tmp_path / "data", **{
        "ALERTS": "slack", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_CHANNEL": CHANNEL, "SLACK_API_URL": slack.url + "/api/",
    })
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        [message] = slack.messages
        assert "Needs a human" in str(message["blocks"])
        r = await client.post("/api/v1/threads/local:1003/resume", json={"action": "handoff", "note": "I'll call him", "by": "marta"})
        assert r.status_code == 200, r.text
    [message] = slack.messages  # still one message, now saying what happened last
    assert slack.updates == 1 and "Needs a human" not in str(message["blocks"])


@pytest.mark.parametrize("header", ["Retry-After", "X-RateLimit-Reset-After"])
async def test_a_proxys_html_429_waits_as_its_header_says(discord, header):
    discord.proxy_429, discord.faults.retry_after, discord.faults.storm = header, "0.3", 1
    started = time.monotonic()
    await DiscordAlerts(f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}", policy=LOCAL).send(alert())
    waited = time.monotonic() - started
    assert discord.faults.throttled == 1 and len(discord.messages) == 1
    assert 0.3 <= waited < 0.9  # the header's 0.3 s, not a guess


async def test_the_discord_fake_refuses_a_misspelt_field_as_discord_does(discord):
    url = f"{discord.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"
    async with httpx.AsyncClient() as http:
        good = await http.post(url, json={"embeds": [{"title": "Needs a human", "fields": [{"name": "why", "value": "angry"}]}]})
        misspelt = await http.post(url, json={"embeds": [{"title": "Needs a human", "feilds": [{"name": "why", "value": "angry"}]}]})
    assert good.status_code == 204
    assert misspelt.status_code == 400 and misspelt.json()["code"] == 50035 and "embeds.0.feilds" in misspelt.json()["errors"]
    assert len(discord.messages) == 1
