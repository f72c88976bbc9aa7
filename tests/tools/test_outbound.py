"""Where a request carrying a secret may go: provider URLs are https to public addresses only, the
company's own parts may be private but never link-local or metadata, every resolved address counts,
and the parts themselves check before they send (a listening host that must not be reached sees
nothing)."""

from __future__ import annotations

import httpx
import pytest

from concierge.tools.alerts import AlertDeliveryError
from concierge.tools.alerts.base import Alert
from concierge.tools.alerts.slack import SlackAlerts
from concierge.tools.helpdesk import build_helpdesk
from concierge.tools.llm import build_chat_model
from concierge.tools.outbound import GuardedTransport, Policy, UnsafeURL, check_url, check_url_now
from tests.conftest import make_settings
from tests.fakes.loopback import Listener, running

PROVIDER, OWN, LOCAL = Policy(), Policy(self_hosted=True), Policy(allow_private=True)
NAMES = {"api.provider.test": ["93.184.215.14"], "split.provider.test": ["93.184.215.14", "10.1.2.3"],
         "ollama.internal.test": ["10.1.2.3"]}


@pytest.fixture(autouse=True)
def offline_dns(monkeypatch):
    """Names resolve from NAMES (the test machine has no DNS for them); literal addresses stay as they are."""
    monkeypatch.setattr("concierge.tools.outbound.lookup", lambda host, port: NAMES[host])


@pytest.mark.parametrize("url, reason", [
    ("http://api.provider.test/", "scheme must be https"),
    ("https://127.0.0.1:9/", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://10.0.0.7/", "private"),
    ("https://[::1]/", "loopback"),
    ("https://[::ffff:169.254.169.254]/", "link-local"),  # an IPv4-mapped address is its IPv4 address
    ("https://[64:ff9b::a9fe:a9fe]/", "link-local"),  # and so is a NAT64 one
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://224.0.0.1/", "multicast"),
    ("https://240.0.0.1/", "reserved"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://100.64.0.1/", "not a public address"),
    ("https://split.provider.test/", "10.1.2.3"),  # one private address among public ones is enough
    ("https://127.0.0.1#.zendesk.com/api/v2", "loopback"),  # a subdomain that smuggles a host in
])
def test_a_provider_url_to_anywhere_but_a_public_https_host_is_refused(url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        check_url_now(url, PROVIDER)


def test_public_https_passes_and_the_companys_own_parts_may_be_private_but_never_metadata():
    check_url_now("https://api.provider.test/v1", PROVIDER)
    for url in ("http://127.0.0.1:11434/v1", "http://ollama.internal.test:8000/v1", "http://10.0.0.7:6333"):
        check_url_now(url, OWN)
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://100.100.100.200/"):
        with pytest.raises(UnsafeURL, match="metadata"):
            check_url_now(url, OWN)
    check_url_now("http://127.0.0.1:9/", LOCAL)  # ALLOW_PRIVATE_URLS: tests and local fakes
    with pytest.raises(UnsafeURL, match="scheme"):
        check_url_now("file:///etc/passwd", LOCAL)


async def test_a_redirect_to_a_metadata_address_is_refused_before_it_is_followed():
    hop = Listener(302, "", headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    with running(hop):
        async with httpx.AsyncClient(transport=GuardedTransport(OWN), follow_redirects=True) as client:
            with pytest.raises(UnsafeURL, match="169.254.169.254"):
                await client.get(hop.url + "/start")
    assert [path for _, path, _ in hop.requests] == ["/start"]


async def test_the_guard_resolves_at_request_time_too(monkeypatch):
    await check_url("https://api.provider.test/", PROVIDER)
    NAMES["api.provider.test"] = ["127.0.0.1"]  # the same name, re-pointed after it was saved
    try:
        with pytest.raises(UnsafeURL, match="loopback"):
            await check_url("https://api.provider.test/", PROVIDER)
    finally:
        NAMES["api.provider.test"] = ["93.184.215.14"]


def alert() -> Alert:
    return Alert(kind="escalation", thread_id="local:1003", idempotency_key="k", title="t", text="x")


async def test_without_allow_private_urls_no_part_sends_its_secret_to_a_loopback_host(tmp_path):
    """The listener stands for an internal service: the helpdesk, Slack and the LLM each refuse to
    reach it, so no token or key ever arrives."""
    internal = Listener(200, '{"ok": true}')
    with running(internal):
        strict = {"ALLOW_PRIVATE_URLS": False}
        jira = build_helpdesk(make_settings(tmp_path, **strict, HELPDESK="jira", JIRA_BASE_URL=internal.url, JIRA_EMAIL="a@b.c",
                                            JIRA_API_TOKEN="jira-secret", JIRA_AI_ACCOUNT_ID="ai"))
        await jira.open()
        try:
            with pytest.raises(UnsafeURL, match="https"):
                await jira.list_assigned_tickets()
        finally:
            await jira.close()

        with pytest.raises(AlertDeliveryError, match="https"):
            await SlackAlerts(bot_token="xoxb-secret", channel="C1", api_url=internal.url + "/api/").send(alert())
        with pytest.raises(AlertDeliveryError, match="loopback"):  # https changes nothing
            await SlackAlerts(webhook_url=internal.url.replace("http:", "https:") + "/services/T/B/x").send(alert())

        model = build_chat_model(make_settings(tmp_path, **strict, GROQ_API_KEY="gsk-secret", GROQ_BASE_URL=internal.url,
                                               LLM_MAX_RETRIES=0))
        with pytest.raises(Exception):  # noqa: B017 - the SDK wraps the refusal in its own connection error
            await model.ainvoke("hello")
    assert internal.requests == []
