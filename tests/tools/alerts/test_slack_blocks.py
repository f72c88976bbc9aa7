"""The Slack fake reads Block Kit with slack_sdk's own models: the blocks Concierge sends pass, and a
block with a misspelt field, an unknown type or a broken limit is refused as Slack refuses it."""

from __future__ import annotations

import pytest
from slack_sdk.webhook import WebhookClient

from concierge.tools.alerts.base import Alert
from concierge.tools.alerts.slack import blocks_for, decided_blocks, decision_buttons
from tests.fakes.loopback import running
from tests.fakes.slack import WEBHOOK_PATH, FakeSlack, block_problem

ALERT = Alert(kind="escalation", thread_id="local:1003", idempotency_key="k", title="Ticket 1003 needs a human",
              text="The customer asked for a person.", fields={"customer": "Tom Hale"}, decisions=["handoff", "retry", "close"],
              escalation=1)


def test_the_blocks_concierge_sends_pass_the_sdk_models():
    blocks = [*blocks_for(ALERT, "https://helpdesk.example/tickets/1003"), decision_buttons(ALERT)]
    assert block_problem(blocks) is None
    assert block_problem(decided_blocks(blocks, "Handed to Marta")) is None


@pytest.mark.parametrize("block", [
    {"type": "section", "txet": {"type": "mrkdwn", "text": "hi"}},  # misspelt field
    {"type": "section", "text": {"type": "mrkdwn", "text": "hi", "verbatimm": True}},  # misspelt nested field
    {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},  # past the header's 150 characters
    {"type": "carousel", "text": "no such block"},  # a type Block Kit does not have
])
def test_a_block_slack_would_refuse_is_refused(block):
    assert block_problem([block]) == "invalid_blocks"


def test_a_misspelt_field_is_refused_on_the_wire_and_the_real_blocks_are_taken():
    with running(FakeSlack()) as slack:
        webhook = WebhookClient(slack.url + WEBHOOK_PATH)
        blocks = blocks_for(ALERT, None)
        misspelt = [blocks[0], {**{k: v for k, v in blocks[1].items() if k != "fields"}, "feilds": blocks[1]["fields"]}]
        refused = webhook.send(text="t", blocks=misspelt)
        taken = webhook.send(text="t", blocks=blocks)
    assert (refused.status_code, refused.body) == (400, "invalid_blocks")
    assert (taken.status_code, taken.body) == (200, "ok") and len(slack.messages) == 1
