"""Addresses from outside data are links only when https (http under CONSOLE_HTTP_LINKS); anything
else is shown as text — a signed call report cannot plant `javascript:` behind the recording link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment

from concierge.console.links import link_target, safe_link
from tests.console import add_operator, console_client, log_in
from tests.flows.test_flows import reply
from tests.server import WEBHOOKS, assign, thread

TEMPLATES = Path(__file__).parents[2] / "concierge" / "console" / "templates"
XSS = "javascript:alert(1)//recording.mp3"

UNSAFE = [
    XSS, "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    "\x01javascript:alert(1)", "javascript\u00a0:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "//evil.example/x", "/threads/local:1001", "recording.mp3", "https:evil", "https:///x",
    "https://[::1/x", "ftp://files.example/r.mp3", "", None, 42,
]


@pytest.mark.parametrize("url", UNSAFE)
def test_an_address_that_is_not_absolute_https_is_never_a_link(url):
    assert link_target(url) is None
    assert link_target(url, allow_http=True) is None


def test_https_is_a_link_and_http_only_when_allowed():
    assert link_target("https://recordings.example/c-1.wav?sig=a%20b") == "https://recordings.example/c-1.wav?sig=a%20b"
    assert link_target("HTTPS://Recordings.example/c-1.wav") == "HTTPS://Recordings.example/c-1.wav"
    assert link_target("http://127.0.0.1:8010/c-1.wav") is None
    assert link_target("http://127.0.0.1:8010/c-1.wav", allow_http=True) == "http://127.0.0.1:8010/c-1.wav"


def test_the_template_global_renders_a_link_or_escaped_text():
    env = Environment(autoescape=True)
    env.globals["safe_link"] = safe_link
    render = env.from_string("{{ safe_link(url, 'recording') }}").render
    link = render(url='https://r.example/a"b.wav')
    assert link == '<a href="https://r.example/a&#34;b.wav" target="_blank" rel="noopener noreferrer">recording</a>'
    text = render(url='javascript:alert("<x>")')
    assert "<a" not in text and "href" not in text and "recording: javascript:alert(&#34;&lt;x&gt;&#34;)" in text


def test_templates_render_no_address_as_a_link_except_through_safe_link():
    """Every href/src in the templates is a path of this site; outside addresses use `safe_link`."""
    for template in TEMPLATES.glob("*.html"):
        for value in re.findall(r'\b(?:href|src|action|formaction)="([^"]*)"', template.read_text()):
            # error.html's `back` is the Referer only when it starts with this site's own address.
            assert value.startswith("/") and not value.startswith("//") or value == "{{ back }}", (template.name, value)


async def _call_reported(client, runtime, recording_url: str) -> None:
    await assign(client, runtime, "1001")
    await reply(client, runtime, "local:1001", "Call me on +351 912 345 678 please.")
    call_id = (await thread(client, "local:1001"))["calls"][-1]["call_id"]
    body = runtime.services.voice.play(call_id, "books")
    body["message"]["artifact"]["recordingUrl"] = recording_url
    r = await client.post(f"{WEBHOOKS}/call_completed", json=body)  # signed as the voice route expects
    assert r.status_code == 202, r.text
    await runtime.queue.join()


async def test_a_javascript_recording_url_from_a_signed_call_report_is_shown_as_text(runtime, client):
    add_operator(runtime)
    await _call_reported(client, runtime, XSS)
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1001")).text
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', page))
    assert '<span class="not-a-link"' in page and f"recording: {XSS}" in page


async def test_an_https_recording_url_is_a_link(runtime, client):
    add_operator(runtime)
    await _call_reported(client, runtime, "https://recordings.example/c-1.wav")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1001")).text
    assert '<a href="https://recordings.example/c-1.wav" target="_blank" rel="noopener noreferrer">recording</a>' in page
