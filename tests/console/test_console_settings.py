"""Settings saved in the console: encrypted at rest, never shown back in full, the environment
wins, applied at the next start, and tested with `concierge doctor`'s checks."""

from __future__ import annotations

import re

from concierge.console.integrations import with_saved
from concierge.console.store import ConsoleStore
from tests.console import OPERATOR, add_operator, console_client, log_in, post_form
from tests.fakes.loopback import serve
from tests.fakes.slack import WEBHOOK_PATH, FakeSlack


async def test_a_saved_secret_is_encrypted_at_rest_and_never_shown_in_full(runtime, monkeypatch):
    add_operator(runtime)
    token = "xoxb-1234567890-very-secret-token-9f3a"
    async with console_client(runtime) as browser:
        await log_in(browser)
        r = await post_form(browser, "/settings", "/settings/alerts",
                            {"ALERTS": "console,slack", "SLACK_BOT_TOKEN": token, "SLACK_CHANNEL": "C0ALERTS"})
        assert r.status_code == 303
        page = (await browser.get("/settings")).text
        assert "take effect when Concierge next starts" in page
        assert token not in page and "9f3a" in page  # only the last characters
        assert f"saved by {OPERATOR}" in page
        # Another provider's settings (the helpdesk is local) are folded away; the chosen ones are not.
        folded = re.search(r'<section class="card" id="helpdesk">.*?<details class="other-providers">(.*?)</details>', page, re.S).group(1)
        assert 'id="ZENDESK_API_TOKEN"' in folded and 'id="HELPDESK"' not in folded
        alerts_folded = re.search(r'<section class="card" id="alerts">.*?(<details class="other-providers">.*?</details>|</form>)', page, re.S).group(1)
        assert 'id="SLACK_BOT_TOKEN"' not in alerts_folded and 'id="DISCORD_WEBHOOK_URL"' in alerts_folded

        # An empty secret field keeps the saved secret.
        await post_form(browser, "/settings", "/settings/alerts", {"ALERTS": "console,slack", "SLACK_BOT_TOKEN": ""})

    raw = runtime.settings.console_db_path.read_bytes()
    assert token.encode() not in raw and b"C0ALERTS" not in raw and b"console,slack" not in raw
    store = ConsoleStore.for_settings(runtime.settings)
    assert store.saved_settings()["SLACK_BOT_TOKEN"] == token
    applied = with_saved(runtime.settings, store)
    assert applied.slack_bot_token.get_secret_value() == token and applied.alerts == "console,slack"
    # Another key cannot read them: the values are left out, not garbage.
    other = ConsoleStore(runtime.settings.console_db_path, b"x" * 43 + b"=")
    assert other.saved_settings() == {}


async def test_a_setting_from_the_environment_is_read_only_and_wins(runtime, monkeypatch):
    add_operator(runtime)
    monkeypatch.setenv("SLACK_CHANNEL", "C0FROMENV")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/settings")).text
        field = re.search(r'<input id="SLACK_CHANNEL"[^>]*>', page).group(0)
        assert "readonly" in field and "C0FROMENV" in field
        await post_form(browser, "/settings", "/settings/alerts", {"SLACK_CHANNEL": "C0OTHER"})
    store = ConsoleStore.for_settings(runtime.settings)
    assert "SLACK_CHANNEL" not in store.saved_settings()


async def test_an_invalid_value_saves_nothing(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        await log_in(browser)
        r = await post_form(browser, "/settings", "/settings/email", {"EMAIL_BACKEND": "pigeon", "SMTP_HOST": "mail.example.com"})
        assert r.status_code == 422 and "EMAIL_BACKEND" in r.text
    assert ConsoleStore.for_settings(runtime.settings).saved_settings() == {}


async def test_test_connection_runs_the_doctor_checks_on_the_saved_settings(runtime):
    add_operator(runtime)
    slack = FakeSlack()
    with serve(slack.app) as url:
        async with console_client(runtime) as browser:
            await log_in(browser)
            await post_form(browser, "/settings", "/settings/alerts", {"ALERTS": "console,slack", "SLACK_WEBHOOK_URL": url + WEBHOOK_PATH})
            ok = await post_form(browser, "/settings", "/settings/alerts/test", {})
            assert ok.status_code == 200 and 'class="check ok"><b>ok</b> · alerts (slack)' in ok.text

            await post_form(browser, "/settings", "/settings/alerts", {"SLACK_WEBHOOK_URL": url + "/services/T/B/revoked"})
            failed = await post_form(browser, "/settings", "/settings/alerts/test", {})
            assert 'class="check fail"><b>failed</b> · alerts (slack)' in failed.text and "create a new incoming webhook" in failed.text

            helpdesk = await post_form(browser, "/settings", "/settings/helpdesk/test", {})
            assert '<b>ok (offline)</b> · helpdesk (local)' in helpdesk.text  # the embedded default: nothing to reach
    assert slack.messages == []  # a test posts nothing to the channel


def test_a_malformed_encryption_key_is_refused_at_start(tmp_path):
    import pytest
    from pydantic import ValidationError

    from tests.conftest import make_settings

    with pytest.raises(ValidationError, match="Fernet key"):
        make_settings(tmp_path, SETTINGS_ENCRYPTION_KEY="not-a-key")
    key = "x" * 43 + "="
    assert make_settings(tmp_path, SETTINGS_ENCRYPTION_KEY=key).settings_encryption_key.get_secret_value() == key


def test_every_setting_on_the_page_has_a_label_and_help():
    from concierge.console.integrations import INTEGRATIONS
    from concierge.console.setting_help import HELP

    listed = {alias for _, aliases in INTEGRATIONS.values() for alias in aliases}
    assert listed - set(HELP) == set()
    assert all(label and help_text for label, help_text in HELP.values())


async def test_the_settings_page_says_what_each_setting_is_and_allows(runtime):
    add_operator(runtime)
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/settings")).text
    assert "<b>Escalation phone</b>" in page and "a call is transferred to" in page
    assert "Allowed: outbox, smtp, resend, sendgrid." in page  # a choice lists its values
    assert "Save the LLM settings" in page and "Save llm" not in page
