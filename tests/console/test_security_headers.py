"""Every console page carries its security headers (a strict CSP, no framing, no sniffing, no
referrer to other sites, no caching of customer data) and holds nothing the policy would block."""

from __future__ import annotations

import re

from concierge.console.headers import CONTENT_SECURITY_POLICY
from tests.console import add_operator, console_client, log_in, post_form
from tests.server import assign

POLICY = "default-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
PAGE_HEADERS = {
    "content-security-policy": POLICY, "x-frame-options": "DENY", "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin", "cache-control": "no-store",
}


def assert_page_headers(response) -> None:
    got = {name: response.headers.get(name) for name in PAGE_HEADERS}
    assert got == PAGE_HEADERS, (response.request.url, response.status_code, got)


def assert_nothing_inline(html: str) -> None:
    """No inline script, event handler, style attribute or style element: the policy would block them."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "an on* handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", html), "a style attribute"
    assert "<style" not in html, "a <style> element"
    assert "javascript:" not in html


def test_the_policy_is_the_documented_one():
    assert CONTENT_SECURITY_POLICY == POLICY


async def test_every_console_page_has_the_security_headers_and_nothing_inline(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1001")  # an offer email: the thread page shows it
    await assign(client, runtime, "1003")
    async with console_client(runtime) as browser:
        login_page = await browser.get("/login")
        assert_page_headers(login_page)
        assert_nothing_inline(login_page.text)
        assert_page_headers(await browser.get("/"))  # the redirect to the login page too
        wrong = await log_in(browser, password="not the password")
        assert wrong.status_code == 401
        assert_page_headers(wrong)
        assert_page_headers(await log_in(browser))
        for path in ("/", "/threads/local:1001", "/threads/local:1003", "/settings", "/analytics"):
            page = await browser.get(path)
            assert page.status_code == 200, path
            assert_page_headers(page)
            assert_nothing_inline(page.text)
            assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in page.text
        missing = await browser.get("/threads/local:9999")
        assert missing.status_code == 404 and "Not done" in missing.text
        assert_page_headers(missing)
        forged = await browser.post("/settings/alerts", data={"ALERTS": "console,slack", "csrf_token": "forged"})
        assert forged.status_code == 403
        assert_page_headers(forged)
        checks = await post_form(browser, "/settings", "/settings/llm/test", {})  # the HTMX fragment
        assert checks.status_code == 200
        assert_page_headers(checks)


async def test_static_files_may_be_cached_and_the_api_is_not_sniffed(runtime, client):
    async with console_client(runtime) as browser:
        css = await browser.get("/static/console.css")
        assert css.headers["x-content-type-options"] == "nosniff" and "cache-control" not in css.headers
        assert (await browser.get("/static/htmx.min.js")).headers["content-security-policy"] == POLICY
    api = await client.get("/api/v1/threads")
    assert api.status_code == 200 and api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["cache-control"] == "no-store"


async def test_a_sent_email_is_served_to_its_frame_under_its_own_policy(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1001")
    async with console_client(runtime) as browser:
        assert (await browser.get("/threads/local:1001/emails/0")).status_code == 303  # needs a login
        await log_in(browser)
        page = (await browser.get("/threads/local:1001")).text
        assert '<iframe class="email" sandbox="" src="/threads/local:1001/emails/0"' in page
        frame = await browser.get("/threads/local:1001/emails/0")
        assert frame.status_code == 200 and frame.headers["content-type"].startswith("text/html")
        assert "<body style=" in frame.text and "Maria" in frame.text  # the email as sent, its styles kept
        policy = frame.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy and policy.endswith("sandbox")
        assert "script-src" not in policy and frame.headers["x-frame-options"] == "SAMEORIGIN"
        assert frame.headers["cache-control"] == "no-store"
        assert (await browser.get("/threads/local:1001/emails/1")).status_code == 404
        assert (await browser.get("/threads/local:9999/emails/0")).status_code == 404
