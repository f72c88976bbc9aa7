"""The Settings page and outbound URLs: a provider URL to loopback, a private network or a metadata
address is refused when saved (nothing stored); a secret is not sent to a host other than the one it
was entered for (a listening host sees no request) until it is entered again; a provider's answer is
shown as its status and a short code only."""

from __future__ import annotations

import re

import pytest

from concierge.console.integrations import with_saved
from concierge.console.store import ConsoleStore
from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.console import add_operator, console_client, log_in, post_form
from tests.fakes.loopback import Listener, running
from tests.fakes.slack import BOT_TOKEN, CHANNEL, FakeSlack

PUBLIC = {"hooks.slack.test": ["93.184.215.14"], "discord.test": ["162.159.128.233"], "internal.corp.test": ["10.20.0.5"]}


@pytest.fixture
async def strict(tmp_path, kb, monkeypatch):
    """A runtime as in production: ALLOW_PRIVATE_URLS unset, names resolved from PUBLIC (offline)."""
    monkeypatch.setattr("concierge.tools.outbound.lookup", lambda host, port: PUBLIC[host])
    async with open_runtime(make_settings(tmp_path / "data", ALLOW_PRIVATE_URLS=False), kb=kb) as rt:
        add_operator(rt)
        yield rt


def saved(runtime) -> dict[str, str]:
    return ConsoleStore.for_settings(runtime.settings).saved_settings()


@pytest.mark.parametrize("group, form, reason", [
    ("alerts", {"SLACK_API_URL": "http://127.0.0.1:8080/api/", "SLACK_BOT_TOKEN": "xoxb-1"}, "scheme must be https"),
    ("alerts", {"SLACK_API_URL": "https://127.0.0.1:8080/api/"}, "127.0.0.1 is a loopback address"),
    ("alerts", {"DISCORD_WEBHOOK_URL": "https://169.254.169.254/latest/meta-data/iam/security-credentials/"}, "link-local"),
    ("alerts", {"SLACK_WEBHOOK_URL": "https://internal.corp.test/services/T/B/very-secret-path"}, "10.20.0.5) is a private address"),
    ("helpdesk", {"HELPDESK": "jira", "JIRA_BASE_URL": "https://[::ffff:10.0.0.1]/"}, "private address"),
    ("helpdesk", {"ZENDESK_SUBDOMAIN": "127.0.0.1#"}, "loopback"),  # the subdomain builds https://127.0.0.1#.zendesk.com
    ("knowledge", {"QDRANT_URL": "http://169.254.169.254:6333"}, "link-local"),  # the company's own parts: never metadata
])
async def test_a_url_to_loopback_private_or_metadata_is_refused_and_nothing_is_saved(strict, group, form, reason):
    async with console_client(strict) as browser:
        await log_in(browser)
        r = await post_form(browser, "/settings", f"/settings/{group}", form)
    assert r.status_code == 422 and "nothing saved" in r.text and reason in r.text and "refused" in r.text
    assert "very-secret-path" not in r.text  # a webhook URL is a secret: only its host is named
    assert saved(strict) == {}


async def test_a_public_https_url_is_saved(strict):
    async with console_client(strict) as browser:
        await log_in(browser)
        r = await post_form(browser, "/settings", "/settings/alerts",
                            {"ALERTS": "console,slack,discord", "SLACK_WEBHOOK_URL": "https://hooks.slack.test/services/T/B/x",
                             "DISCORD_WEBHOOK_URL": "https://discord.test/api/webhooks/1/t"})
    assert r.status_code == 303
    assert saved(strict)["SLACK_WEBHOOK_URL"] == "https://hooks.slack.test/services/T/B/x"


async def test_a_saved_token_is_not_sent_to_a_changed_host_until_it_is_entered_again(runtime):
    """SLACK_API_URL moved from the Slack fake to another listening host: the token saved for the
    first is not sent to the second (which sees no request) until the operator types it again."""
    add_operator(runtime)
    other = Listener(200, '{"ok": false, "error": "invalid_auth"}')
    with running(FakeSlack()) as slack, running(other):
        async with console_client(runtime) as browser:
            await log_in(browser)
            await post_form(browser, "/settings", "/settings/alerts", {"ALERTS": "console,slack", "SLACK_BOT_TOKEN": BOT_TOKEN,
                                                                       "SLACK_CHANNEL": CHANNEL, "SLACK_API_URL": slack.url + "/api/"})
            first = await post_form(browser, "/settings", "/settings/alerts/test", {})
            assert 'class="check ok"><b>ok</b> · alerts (slack)' in first.text and slack.auth_tests == 1

            moved = await post_form(browser, "/settings", "/settings/alerts", {"SLACK_API_URL": other.url + "/api/"})
            assert moved.status_code == 303
            page = (await browser.get("/settings")).text
            assert "SLACK_BOT_TOKEN is not sent" in page and "enter SLACK_BOT_TOKEN again" in page
            held = await post_form(browser, "/settings", "/settings/alerts/test", {})
            assert "SLACK_BOT_TOKEN is not sent: it was entered for " + slack.url in held.text
            assert other.requests == []  # the token went nowhere
            assert with_saved(runtime.settings, ConsoleStore.for_settings(runtime.settings)).slack_bot_token is None  # nor at start

            await post_form(browser, "/settings", "/settings/alerts", {"SLACK_BOT_TOKEN": BOT_TOKEN})  # entered again
            again = await post_form(browser, "/settings", "/settings/alerts/test", {})
    assert [(m, p, h["authorization"]) for m, p, h in other.requests] == [("POST", "/api/auth.test", f"Bearer {BOT_TOKEN}")]
    assert "auth.test answered 200 OK (invalid_auth)" in again.text and slack.auth_tests == 1


async def test_a_token_from_the_environment_is_not_sent_to_a_host_the_console_names(tmp_path, kb, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "jira-token-from-env")
    other = Listener(200, "{}")
    with running(other):
        settings = make_settings(tmp_path / "data", HELPDESK="jira", JIRA_BASE_URL="https://acme.atlassian.net", JIRA_EMAIL="a@b.c",
                                 JIRA_API_TOKEN="jira-token-from-env", JIRA_AI_ACCOUNT_ID="ai")
        async with open_runtime(settings, kb=kb) as runtime, console_client(runtime) as browser:
            add_operator(runtime)
            await log_in(browser)
            await post_form(browser, "/settings", "/settings/helpdesk", {"JIRA_BASE_URL": other.url})
            r = await post_form(browser, "/settings", "/settings/helpdesk/test", {})
    assert "JIRA_API_TOKEN is not sent: it was entered for https://acme.atlassian.net:443" in r.text
    assert other.requests == []


async def test_an_answer_is_shown_as_its_status_and_short_code_only(runtime):
    add_operator(runtime)
    page = "<html><title>Jenkins</title>AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG</html>"
    internal = Listener(404, page)
    with running(internal):
        async with console_client(runtime) as browser:
            await log_in(browser)
            await post_form(browser, "/settings", "/settings/alerts", {"ALERTS": "console,slack",
                                                                       "SLACK_WEBHOOK_URL": internal.url + "/services/T/B/x"})
            alerts = await post_form(browser, "/settings", "/settings/alerts/test", {})
            await post_form(browser, "/settings", "/settings/helpdesk", {"HELPDESK": "jira", "JIRA_BASE_URL": internal.url,
                                                                         "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "t", "JIRA_AI_ACCOUNT_ID": "ai"})
            helpdesk = await post_form(browser, "/settings", "/settings/helpdesk/test", {})
    for r in (alerts, helpdesk):
        assert "404 Not Found" in r.text
        assert not re.search("Jenkins|AWS_SECRET|wJalr", r.text)
