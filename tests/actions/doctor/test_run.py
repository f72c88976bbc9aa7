"""`concierge doctor` as a whole: every part checked, the embedded defaults "ok (offline)", a broken
part named with its fix and the exit code 1; the helpdesk and alert checks against their fakes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from concierge.actions.doctor import run_checks
from concierge.cli.main import app
from concierge.settings import get_settings
from tests.conftest import OFFLINE, make_settings
from tests.fakes.discord import WEBHOOK_ID, WEBHOOK_TOKEN, FakeDiscord
from tests.fakes.loopback import Listener, running, serve
from tests.fakes.slack import WEBHOOK_PATH, FakeSlack
from tests.fakes.vapi import FakeVapi, serve_fake_vapi
from tests.fakes.zendesk import AI_GROUP, EMAIL, TOKEN, FakeZendesk
from tests.processes import free_port

PARTS = ["helpdesk", "email", "voice", "alerts", "llm", "knowledge base", "booking system"]


async def test_doctor_passes_a_working_setup_and_names_the_fix_for_a_broken_one(tmp_path):
    zendesk, slack, discord = FakeZendesk(), FakeSlack(), FakeDiscord()
    with serve(zendesk.app) as zd, serve(slack.app) as sl, serve(discord.app) as dc:
        base = {"HELPDESK": "zendesk", "ZENDESK_BASE_URL": f"{zd}/api/v2", "ZENDESK_EMAIL": EMAIL,
                "ZENDESK_AI_GROUP_ID": str(AI_GROUP), "ALERTS": "console,slack,discord"}
        good = make_settings(tmp_path, **base, ZENDESK_API_TOKEN=TOKEN, SLACK_WEBHOOK_URL=sl + WEBHOOK_PATH,
                             DISCORD_WEBHOOK_URL=f"{dc}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}")
        checks = {c.part: c for c in await run_checks(good)}
        assert all(c.ok for c in checks.values()), [c for c in checks.values() if not c.ok]
        assert "7 open ticket(s)" in checks["helpdesk (zendesk)"].detail and slack.messages == [] and discord.messages == []
        # Every part is there; the ones left on their embedded defaults say so.
        assert all(any(part.startswith(p) for part in checks) for p in PARTS)
        assert {p for p, c in checks.items() if c.offline} == {"email (outbox)", "voice (simulator)", "llm (offline)",
                                                               "knowledge base (embedded)", "booking system", "alerts (local record)"}

        bad = make_settings(tmp_path, **base, ZENDESK_API_TOKEN="wrong", SLACK_WEBHOOK_URL=sl + "/services/T/B/revoked",
                            DISCORD_WEBHOOK_URL=f"{dc}/api/webhooks/{WEBHOOK_ID}/gone")
        checks = {c.part: c for c in await run_checks(bad)}
        helpdesk, slack_check, discord_check = checks["helpdesk (zendesk)"], checks["alerts (slack)"], checks["alerts (discord)"]
        assert not helpdesk.ok and helpdesk.detail == "answered 401 Unauthorized" and "token was refused" in helpdesk.fix
        assert not slack_check.ok and "(no_service)" in slack_check.detail and "create a new incoming webhook" in slack_check.fix
        assert not discord_check.ok and "404 Not Found" in discord_check.detail and "create a new one" in discord_check.fix

    missing = {c.part: c for c in await run_checks(make_settings(tmp_path, HELPDESK="zendesk"))}
    assert not missing["helpdesk (zendesk)"].ok and "ZENDESK_SUBDOMAIN" in missing["helpdesk (zendesk)"].detail


async def test_a_helpdesk_answer_is_never_echoed(tmp_path):
    """JIRA_BASE_URL pointed at some internal service: the check tells its status, not its page."""
    page = "<html><h1>Internal admin</h1><p>db_password=hunter2</p></html>"
    internal = Listener(403, page)
    with running(internal):
        settings = make_settings(tmp_path, HELPDESK="jira", JIRA_BASE_URL=internal.url, JIRA_EMAIL="a@b.c", JIRA_API_TOKEN="t",
                                 JIRA_AI_ACCOUNT_ID="ai")
        [check] = [c for c in await run_checks(settings) if c.part == "helpdesk (jira)"]
    assert not check.ok and check.detail == "answered 403 Forbidden"
    assert "hunter2" not in check.detail + check.fix and "admin" not in check.detail


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """`concierge doctor` as a user's shell runs it: settings from the environment only."""
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env

    def run(**env: str):
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, ["doctor"], env={"CONCIERGE_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250",
                                                            "ALERTS_CONSOLE": "false", **env})
        finally:
            get_settings.cache_clear()

    return run


def test_the_command_exits_1_naming_a_closed_smtp_port_and_a_bogus_vapi_key(shell):
    result = shell()
    assert result.exit_code == 0, result.output
    assert "ok (offline)" in result.output and "email (outbox)" in result.output

    result = shell(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()))
    assert result.exit_code == 1
    assert "email (smtp)" in result.output and "unreachable" in result.output and "SMTP_PORT" in result.output

    with serve_fake_vapi(FakeVapi()) as vapi:
        result = shell(VOICE_PROVIDER="vapi", VAPI_API_KEY="bogus", VAPI_PHONE_NUMBER_ID="pn_test", VAPI_BASE_URL=vapi.url,
                       ALLOW_PRIVATE_URLS="true")
    assert result.exit_code == 1
    assert "voice (vapi)" in result.output and "VAPI_API_KEY: answered 401 Unauthorized" in result.output
