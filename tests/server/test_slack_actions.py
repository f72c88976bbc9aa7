"""Slack as a place to decide: escalation alerts sent with a bot token carry the decisions the thread
allows as buttons; a click comes back signed to `/api/v1/webhooks/slack/actions`, is verified by
slack-sdk's SignatureVerifier, resumes the thread as that Slack user, and the message then shows who
decided what. Forged and stale requests get 401 and change nothing. Slack is the loopback fake."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.fakes.loopback import running
from tests.fakes.slack import BOT_TOKEN, CHANNEL, FakeSlack
from tests.server import asgi_client, assign, call_files, thread, world
from tests.server.test_threads import escalated_after_call

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ACTIONS = "/api/v1/webhooks/slack/actions"
USER = {"id": "U024BE7LH", "username": "sofia", "name": "sofia", "team_id": "T000"}


@pytest.fixture
def slack():
    with running(FakeSlack()) as fake:
        yield fake


@pytest.fixture
async def slack_runtime(tmp_path, kb, slack):
    settings = make_settings(tmp_path / "data", **{
        "ALERTS": "slack", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_CHANNEL": CHANNEL, "SLACK_API_URL": f"{slack.url}/api/",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    })
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        yield runtime, client


def buttons(message: dict) -> dict[str, dict]:
    """The decision buttons of a posted alert, by action."""
    return {json.loads(e["value"])["action"]: e for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"] if "value" in e}


def interaction(slack: FakeSlack, message_index: int, action: str, user: dict = USER, message: dict | None = None) -> dict:
    """The block_actions payload Slack sends when `user` clicks the `action` button of a posted message
    (as `message` shows it, when they still see an earlier version)."""
    message = message or slack.messages[message_index]
    button = buttons(message)[action]
    return {
        "type": "block_actions", "user": user, "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.3",
        "team": {"id": "T000"}, "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": f"1700000000.{message_index + 1:06d}", "channel_id": CHANNEL},
        "message": {"ts": f"1700000000.{message_index + 1:06d}", "blocks": message["blocks"], "text": message.get("text", "")},
        "response_url": f"{slack.url}/actions/T000/1/tok{message_index}",
        "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "concierge_decisions",
                     "value": button["value"], "action_ts": f"{time.time():.6f}"}],
    }


def signed(payload: dict, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    t = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=t, body=body)
    return body, {"content-type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": t, "X-Slack-Signature": signature}


async def click(client, payload: dict, **signing):
    body, headers = signed(payload, **signing)
    return await client.post(ACTIONS, content=body, headers=headers)


async def settled(runtime) -> None:
    """Wait for the queue and for the background edit of the message."""
    await runtime.queue.join()
    for _ in range(50):
        await asyncio.sleep(0.02)


async def test_the_alert_offers_only_the_decisions_the_thread_allows(slack_runtime, slack):
    runtime, client = slack_runtime
    await assign(client, runtime, "1003")  # a complaint escalated at once: nothing to approve or retry
    [message] = slack.messages
    assert set(buttons(message)) == {"handoff", "close"}
    assert buttons(message)["handoff"]["text"]["text"] == "Take over"

    await escalated_after_call(client, runtime)
    assert set(buttons(slack.messages[1])) == {"approve", "retry", "close", "handoff"}


async def test_a_click_resumes_the_thread_as_that_slack_user_and_the_message_says_so(slack_runtime, slack):
    runtime, client = slack_runtime
    await assign(client, runtime, "1003")
    r = await click(client, interaction(slack, 0, "handoff"))
    assert r.status_code == 200
    await settled(runtime)

    detail = await thread(client, "local:1003")
    assert detail["human_decision"] == {"action": "handoff", "note": "decided in Slack", "by": "sofia"}
    assert detail["outcome"]["status"] == "handed_off"
    ticket = await runtime.services.helpdesk.get_ticket("1003")
    assert ticket.assignee == "Human Queue"
    assert any("sofia" in n for n in await runtime.services.helpdesk.notes("1003"))
    # The alert now shows who decided what, and its buttons are gone.
    [message] = slack.messages
    assert not buttons(message)
    assert "<@U024BE7LH> chose *Take over*" in json.dumps(message["blocks"])


async def test_retry_from_slack_places_a_new_call(slack_runtime, slack):
    runtime, client = slack_runtime
    await escalated_after_call(client, runtime)
    assert (await click(client, interaction(slack, 0, "retry"))).status_code == 200
    await settled(runtime)
    detail = await thread(client, "local:1005")
    assert detail["waiting_for"] == "call_report" and len(call_files(runtime)) == 2
    assert "chose *Retry*" in json.dumps(slack.messages[0]["blocks"])


async def test_a_click_on_an_alert_whose_wait_ended_changes_nothing_and_tells_the_clicker(slack_runtime, slack):
    runtime, client = slack_runtime
    await assign(client, runtime, "1003")
    seen = json.loads(json.dumps(slack.messages[0]))  # the message as marc still sees it, buttons and all
    assert (await click(client, interaction(slack, 0, "close"))).status_code == 200
    await settled(runtime)
    before = await world(client, runtime, "local:1003", "1003")

    late = interaction(slack, 0, "handoff", user={"id": "U999", "username": "marc"}, message=seen)
    assert (await click(client, late)).status_code == 200
    await settled(runtime)
    assert await world(client, runtime, "local:1003", "1003") == before
    [told] = slack.responses
    assert told["response_type"] == "ephemeral" and told["text"].startswith("Not applied:")


@pytest.mark.parametrize("forgery", ["wrong_secret", "stale", "altered", "unsigned"])
async def test_forged_or_stale_requests_are_401_and_change_nothing(slack_runtime, slack, forgery):
    runtime, client = slack_runtime
    await assign(client, runtime, "1003")
    before = await world(client, runtime, "local:1003", "1003")
    payload = interaction(slack, 0, "close")
    if forgery == "wrong_secret":
        body, headers = signed(payload, secret="not-the-secret")
    elif forgery == "stale":
        body, headers = signed(payload, timestamp=int(time.time()) - 6 * 60)
    elif forgery == "altered":
        body, headers = signed(payload)
        body = body.replace(b"close", b"handoff")
    else:
        body, headers = urlencode({"payload": json.dumps(payload)}).encode(), {"content-type": "application/x-www-form-urlencoded"}
    r = await client.post(ACTIONS, content=body, headers=headers)
    assert r.status_code == 401
    await settled(runtime)
    assert await world(client, runtime, "local:1003", "1003") == before
    assert not slack.responses and slack.updates == 0


async def test_without_a_signing_secret_the_route_is_not_there(client, runtime):
    r = await client.post(ACTIONS, content=b"payload=%7B%7D", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 404 and "SLACK_SIGNING_SECRET" in r.json()["detail"]


async def test_a_click_on_the_open_ticket_link_is_acknowledged_and_changes_nothing(tmp_path, kb, slack):
    settings = make_settings(tmp_path / "data", **{
        "ALERTS": "slack", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_CHANNEL": CHANNEL, "SLACK_API_URL": f"{slack.url}/api/",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "HELPDESK_TICKET_URL": "https://wayfarer.example/tickets/{ticket_id}",
    })
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        [message] = slack.messages
        [link] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e]
        before = await world(client, runtime, "local:1003", "1003")
        # A URL button still posts block_actions: Slack names the element itself and sends no `value`.
        payload = interaction(slack, 0, "handoff")
        payload["actions"] = [{"type": "button", "block_id": "k3Xz", "action_id": "Qo9sV", "text": link["text"],
                               "url": link["url"], "action_ts": f"{time.time():.6f}"}]
        r = await click(client, payload)
        assert r.status_code == 200, r.text
        await settled(runtime)
        assert await world(client, runtime, "local:1003", "1003") == before
        assert not slack.responses and slack.updates == 0
