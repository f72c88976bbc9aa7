"""`concierge doctor`'s checks against the Zendesk, Slack and Discord fakes: what passes, and the fix
named for what fails."""

from __future__ import annotations

from concierge.doctor import run_checks
from tests.conftest import make_settings
from tests.fakes.discord import WEBHOOK_ID, WEBHOOK_TOKEN, FakeDiscord
from tests.fakes.loopback import serve
from tests.fakes.slack import WEBHOOK_PATH, FakeSlack
from tests.fakes.zendesk import AI_GROUP, EMAIL, TOKEN, FakeZendesk


async def test_doctor_passes_a_working_setup_and_names_the_fix_for_a_broken_one(tmp_path):
    zendesk, slack, discord = FakeZendesk(), FakeSlack(), FakeDiscord()
    with serve(zendesk.app) as zd, serve(slack.app) as sl, serve(discord.app) as dc:
        base = {"HELPDESK": "zendesk", "ZENDESK_BASE_URL": f"{zd}/api/v2", "ZENDESK_EMAIL": EMAIL,
                "ZENDESK_AI_GROUP_ID": str(AI_GROUP), "ALERTS": "console,slack,discord"}
        good = make_settings(tmp_path, **base, ZENDESK_API_TOKEN=TOKEN, SLACK_WEBHOOK_URL=sl + WEBHOOK_PATH,
                             DISCORD_WEBHOOK_URL=f"{dc}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
        checks = await run_checks(good)
        assert [(c.part, c.ok) for c in checks] == [("helpdesk (zendesk)", True), ("alerts (local record)", True),
                                                    ("alerts (slack)", True), ("alerts (discord)", True)]
        assert "7 open ticket(s)" in checks[0].detail and slack.messages == [] and discord.messages == []

        bad = make_settings(tmp_path, **base, ZENDESK_API_TOKEN="wrong", SLACK_WEBHOOK_URL=sl + "/services/T/B/revoked",
                            DISCORD_WEBHOOK_URL=f"{dc}/api/webhooks/{WEBHOOK_ID}/gone")
        helpdesk, _, slack_check, discord_check = await run_checks(bad)
        assert not helpdesk.ok and "401" in helpdesk.detail and "token was refused" in helpdesk.fix
        assert not slack_check.ok and "create a new incoming webhook" in slack_check.fix
        assert not discord_check.ok and "create a new one" in discord_check.fix

    missing = await run_checks(make_settings(tmp_path, HELPDESK="zendesk"))
    assert not missing[0].ok and "ZENDESK_SUBDOMAIN" in missing[0].detail
