"""The console in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, never a
downloaded build) against `concierge serve` as a process, on the data the demo leaves behind with
approval mode on (REVIEW_BEFORE_SEND=offers).

Screenshots go to a temporary folder, or to CONSOLE_SCREENSHOTS (e.g. `docs`) when it is set.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import os
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from concierge.cli.demo import run_demo
from concierge.console.store import ConsoleStore
from concierge.server.verify import concierge_signature
from concierge.tools.email.addresses import reply_address
from concierge.tools.helpdesk.local import LocalHelpdesk
from concierge.tools.signing import SignedWebhooks
from concierge.tools.voice.simulator import CallSimulator
from tests.conftest import make_settings
from tests.console import OPERATOR, PASSWORD
from tests.fakes.loopback import serve
from tests.fakes.slack import WEBHOOK_PATH, FakeSlack
from tests.processes import VENV_BIN, free_port, offline_env, running_server

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium: apt-get install chromium"),
]


def run_async(make_coroutine):
    """Run a coroutine to completion in its own thread: Playwright's sync API keeps a loop running in this one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


@pytest.fixture(scope="module")
def served(tmp_path_factory, embeddings):
    """The demo run with approval mode, an operator, and `concierge serve` on that data folder."""
    base = tmp_path_factory.mktemp("console")
    settings = make_settings(base / "data", REVIEW_BEFORE_SEND="offers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("concierge.tools.knowledge.build_embeddings", lambda s: embeddings)
        run_async(lambda: run_demo(settings, Console(file=io.StringIO())))
    ConsoleStore.for_settings(settings).add_operator(OPERATOR, PASSWORD)
    port = free_port()
    command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = offline_env(base / "data", REVIEW_BEFORE_SEND="offers", ALERTS_CONSOLE="false")
    with running_server(command, base=base, port=port, ready_path="/healthz", env=env) as server:
        yield server, settings


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(served, browser):
    """A logged-in page; the test fails if anything on it broke the Content-Security-Policy or threw."""
    server, _ = served
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    page.goto("/")
    assert "/login" in page.url
    page.fill("#name", OPERATOR)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    yield page
    context.close()
    assert blocked == []


def ticket(settings, ticket_id: str):
    async def read():
        helpdesk = LocalHelpdesk(settings.helpdesk_db_path)
        await helpdesk.open()
        try:
            return await helpdesk.get_ticket(ticket_id), await helpdesk.notes(ticket_id)
        finally:
            await helpdesk.close()

    return run_async(read)


def test_the_escalated_ticket_is_first_and_is_handed_off_in_the_browser(page, served, shots):
    server, settings = served
    rows = page.locator("table.inbox tbody tr")
    assert rows.first.get_attribute("data-thread") == "local:1003"
    assert "Richard Hale" in rows.first.inner_text()
    page.screenshot(path=shots / "console-inbox.png", full_page=True)

    rows.first.locator("a").click()
    page.wait_for_url("**/threads/local:1003")
    reasons = page.locator(".escalation-reason").all_inner_texts()
    assert any("real person" in r for r in reasons)
    assert page.locator(".helpdesk-status").inner_text() == "escalated"
    notes_before = len(ticket(settings, "1003")[1])
    page.check("input[name=action][value=handoff]")
    assert "human queue" in page.locator("[data-confirm=handoff]").inner_text()
    page.fill("textarea[name=note]", "Refund the double charge and call him today")
    page.screenshot(path=shots / "console-thread.png", full_page=True)
    page.click("text=Apply decision")

    page.wait_for_selector(f"text=handoff by {OPERATOR}: applied.")
    assert page.locator(".helpdesk-status").inner_text() == "open"  # handed to people: open in the human queue
    assert page.locator(".helpdesk-assignee").inner_text() == "Human Queue"
    assert page.locator("#decide").count() == 0  # nothing waits any more
    helpdesk_ticket, notes = ticket(settings, "1003")
    assert (helpdesk_ticket.status, helpdesk_ticket.assignee) == ("open", "Human Queue")
    assert len(notes) == notes_before + 1 and "Refund the double charge" in notes[-1] and OPERATOR in notes[-1]
    detail = httpx.get(f"{server.url}/api/v1/threads/local:1003").json()
    assert detail["outcome"]["status"] == "handed_off" and detail["human_decision"]["by"] == OPERATOR


def test_a_held_offer_is_edited_and_the_sent_email_carries_the_edit(page, served):
    server, settings = served
    assert not list(settings.outbox_dir.glob("*.eml")) or all(
        "local.1001." not in p.read_text() for p in settings.outbox_dir.glob("*.eml"))
    page.goto("/threads/local:1001")
    assert page.locator("h2", has_text="A draft waits for approval").count() == 1
    page.check("input[name=action][value=edit]")
    page.fill("input[name=email_subject]", "Your quiet Lisbon rooms, chosen by hand")
    body = page.locator("textarea[name=email_body]")
    body.fill("Dear Maria,\n\nSofia here: I checked these rooms myself and they are the quietest we have.\n\n"
              + body.input_value().split("\n\n", 1)[1])
    page.click("text=Apply decision")
    page.wait_for_selector(f"text=edit by {OPERATOR}: applied.")

    sent = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in settings.outbox_dir.glob("*.eml")]
    [edited] = [m for m in sent if m["Subject"] == "Your quiet Lisbon rooms, chosen by hand"]
    assert "I checked these rooms myself" in edited.get_body(("plain",)).get_content()
    assert "maria.costa@example.com" in str(edited["To"])
    detail = httpx.get(f"{server.url}/api/v1/threads/local:1001").json()
    assert detail["waiting_for"] == "email_reply" and detail["emails"][0]["reviewed"]["by"] == OPERATOR


def test_a_setting_is_saved_and_its_connection_tested(page, served, shots):
    slack = FakeSlack()
    with serve(slack.app) as slack_url:
        page.goto("/settings")
        alerts = page.locator("section#alerts")
        assert not alerts.locator("input[name=SLACK_WEBHOOK_URL]").is_visible()  # Slack not chosen: folded away
        alerts.locator("input[name=ALERTS]").fill("console,slack")
        alerts.locator("text=Save the Alerts settings").click()
        page.wait_for_selector("text=Alerts: saved ALERTS")
        alerts = page.locator("section#alerts")
        alerts.locator("input[name=SLACK_WEBHOOK_URL]").fill(slack_url + WEBHOOK_PATH)
        alerts.locator("text=Save the Alerts settings").click()
        page.wait_for_selector("text=Alerts: saved SLACK_WEBHOOK_URL")
        alerts = page.locator("section#alerts")
        assert WEBHOOK_PATH not in page.content()  # the secret URL is never shown back
        alerts.locator("text=Test connection").click()
        result = page.locator("#result-alerts .check.ok", has_text="alerts (slack)")
        result.wait_for()
        page.screenshot(path=shots / "console-settings.png", full_page=True)
    assert slack.messages == []


def test_analytics_loads_with_its_charts(page, shots):
    page.goto("/analytics")
    assert page.locator("svg.chart").count() == 3
    funnel = page.locator("section", has_text="Funnel").locator("svg text").all_text_contents()
    assert funnel[0::2] == ["tickets", "offers sent", "replies", "calls", "booked"]
    # Seven demo tickets; with approval mode on, offers waited for an operator (one was sent above).
    assert funnel[1] == "7"
    page.screenshot(path=shots / "console-analytics.png", full_page=True)


def wait_for(api: httpx.Client, thread_id: str, condition, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        detail = api.get(f"/api/v1/threads/{thread_id}").json()
        if condition(detail):
            return detail
        time.sleep(0.2)
    raise AssertionError(f"{thread_id} never got there: {detail.get('stage')}, waiting for {detail.get('waiting_for')}")


def test_a_javascript_recording_url_from_a_signed_call_report_runs_no_script(page, served):
    """A provider's report (signed, so accepted) names `javascript:` as its recording: the operator
    who clicks it runs nothing."""
    server, settings = served
    thread_id = "local:1005"
    with httpx.Client(base_url=server.url, auth=SignedWebhooks(concierge_signature(settings)), timeout=60) as api:
        assert api.post(f"/api/v1/threads/{thread_id}/resume", json={"action": "approve", "by": OPERATOR}).is_success
        offer = wait_for(api, thread_id, lambda t: t["waiting_for"] == "email_reply")["emails"][-1]
        r = api.post("/api/v1/webhooks/inbound_email", json={
            "from": ticket(settings, "1005")[0].customer.email,
            "to": [reply_address(thread_id, settings.reply_domain, settings.signing_key)],
            "subject": f"Re: {offer['subject']}", "text": "Yes, call me on +44 7700 900123 please.",
            "message_id": "<reply-1005-xss@customer.example.com>", "in_reply_to": offer["message_id"],
        })
        assert r.is_success, r.text
        call_id = wait_for(api, thread_id, lambda t: t["waiting_for"] == "call_report")["calls"][-1]["call_id"]
        report = CallSimulator(settings.calls_dir, key=settings.signing_key).play(call_id, "books")
        report["message"]["artifact"]["recordingUrl"] = "javascript:window.xss=1;alert(document.cookie)//recording.mp3"
        assert api.post("/api/v1/webhooks/call_completed", json=report).status_code == 202
        wait_for(api, thread_id, lambda t: t["call_analysis"] is not None)

    dialogs = []  # an alert in this page or in any tab the click opens
    page.context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/threads/{thread_id}")
    assert page.locator("[href^='javascript' i]").count() == 0
    recording = page.locator("p", has_text="recording").get_by_text("recording", exact=False).last
    assert "javascript:" in recording.inner_text()  # shown, as text, so the operator sees what came
    recording.click()
    page.wait_for_timeout(1000)
    assert dialogs == [] and all(tab.evaluate("window.xss") is None for tab in page.context.pages)
    assert len(page.context.pages) == 1 and page.url.endswith(f"/threads/{thread_id}")  # nothing opened
    # The sent emails still show in their frames, styles and all, under the stricter page policy.
    body = page.frame_locator("iframe.email").first.locator("body")
    assert "James" in body.inner_text() and "Georgia" in body.evaluate("b => getComputedStyle(b).fontFamily")

