"""The inbox, the thread page and its decisions, analytics — through the console's forms."""

from __future__ import annotations

import re

from tests.console import OPERATOR, add_operator, console_client, log_in, post_form
from tests.flows.test_flows import reply
from tests.server import assign, outbox_messages, thread


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-thread="([^"]+)"', html)


async def test_the_inbox_lists_threads_waiting_for_a_person_first_and_filters(runtime, client):
    add_operator(runtime)
    for ticket in ("1002", "1001", "1003"):  # done, waiting for the customer, escalated
        await assign(client, runtime, ticket)
    async with console_client(runtime) as browser:
        await log_in(browser)
        inbox = (await browser.get("/")).text
        assert listed(inbox) == ["local:1003", "local:1001", "local:1002"]
        groups = re.findall(r'<h2 class="group-title">([^<]+)', inbox)
        assert [g.strip() for g in groups] == ["Needs a person", "Waits for the customer", "Done"]
        assert "Customer asks for a human" in inbox  # the reason beside the escalated ticket

        assert listed((await browser.get("/", params={"customer": "maria"})).text) == ["local:1001"]
        assert listed((await browser.get("/", params={"customer": "maria.costa@"})).text) == ["local:1001"]
        assert listed((await browser.get("/", params={"outcome": "resolved"})).text) == ["local:1002"]
        assert listed((await browser.get("/", params={"stage": "awaiting_human", "helpdesk": "local"})).text) == ["local:1003"]
        assert listed((await browser.get("/", params={"helpdesk": "zendesk"})).text) == []
        assert listed((await browser.get("/", params={"since": "2999-01-01"})).text) == []


async def test_the_thread_page_shows_the_phone_in_full_while_the_api_masks_it(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1001")
    await reply(client, runtime, "local:1001", "Call me on +351 912 345 678 please.")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1001")).text
    assert '<span class="phone">+351912345678</span>' in page and "maria.costa@example.com" in page
    assert "Casa" in page or "Lisbon" in page  # the offers
    assert "<code>" in page and "source_ids" not in page  # knowledge-base sources listed by id
    assert "sandbox=\"\"" in page  # the email as sent, rendered in a sandboxed frame
    api = await thread(client, "local:1001")
    assert "+351912345678" not in str(api) and "maria.costa@example.com" not in str(api)


async def test_handing_off_from_the_thread_page_changes_the_helpdesk_and_records_who(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1003")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1003")).text
        assert 'class="escalation-reason"' in page and "real person" in page
        offered = re.findall(r'name="action" value="([a-z_]+)"', page)
        assert offered == ["close", "handoff", "reply"]  # nothing was sent yet: nothing to approve or retry
        assert "the ticket goes to the human queue" in page
        wait_id = re.search(r'name="answers" value="([^"]+)"', page).group(1)

        r = await post_form(browser, "/threads/local:1003", "/threads/local:1003/decide",
                            {"action": "handoff", "note": "I will call him myself", "answers": wait_id})
        assert r.status_code == 303
        after = (await browser.get("/threads/local:1003")).text
        assert f"handoff by {OPERATOR}: applied." in after

        # The same wait answered again (a second operator's stale page): refused, nothing changes.
        stale = await post_form(browser, "/threads/local:1003", "/threads/local:1003/decide",
                                {"action": "close", "note": "", "answers": wait_id})
        assert stale.status_code == 409

    detail = await thread(client, "local:1003")
    assert detail["human_decision"] == {"action": "handoff", "note": "I will call him myself", "by": OPERATOR}
    assert detail["outcome"]["status"] == "handed_off"
    ticket = await runtime.services.helpdesk.get_ticket("1003")
    assert ticket.assignee == "Human Queue"
    assert any("I will call him myself" in n for n in await runtime.services.helpdesk.notes("1003"))


async def test_a_reply_form_sent_twice_sends_one_email(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1003")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1003")).text
        form = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("answers", "idempotency_key", "csrf_token")}
        form |= {"action": "reply", "email_subject": "Your charge", "email_body": "Dear Mr Novak,\n\nThe second charge is refunded."}
        first = await browser.post("/threads/local:1003/decide", data=form)
        again = await browser.post("/threads/local:1003/decide", data=form)  # a double click, or the browser resubmitting
        assert first.status_code == again.status_code == 303
    assert [e["kind"] for e in (await thread(client, "local:1003"))["emails"]] == ["human_reply"]
    assert len(outbox_messages(runtime)) == 1


async def test_a_reply_from_the_form_can_close_the_ticket_or_wait_for_the_answer(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1003")
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1003")).text
        assert 'name="then" value="wait" checked' in page and 'name="then" value="close"' in page
        assert "Your email to the customer — sent with “reply”" in page and "choose “edit”" not in page
        r = await post_form(browser, "/threads/local:1003", "/threads/local:1003/decide",
                            {"action": "reply", "then": "close", "email_subject": "Your charge",
                             "email_body": "Dear Mr Novak,\n\nThe second charge is refunded today."})
        assert r.status_code == 303
    detail = await thread(client, "local:1003")
    assert [e["kind"] for e in detail["emails"]] == ["human_reply"]
    assert detail["waiting_for"] is None and detail["stage"] == "done"  # closed, not waiting for an answer


async def test_a_decision_the_wait_does_not_offer_is_refused(runtime, client):
    add_operator(runtime)
    await assign(client, runtime, "1001")  # waits for the customer's email: close, handoff or a reply
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/threads/local:1001")).text
        assert re.findall(r'name="action" value="([a-z_]+)"', page) == ["close", "handoff", "reply"]
        r = await post_form(browser, "/threads/local:1001", "/threads/local:1001/decide", {"action": "approve"})
        assert r.status_code == 409
        bogus = await post_form(browser, "/threads/local:1001", "/threads/local:1001/decide", {"action": "explode"})
        assert bogus.status_code == 422
        dropped = await post_form(browser, "/threads/local:1001", "/threads/local:1001/decide",
                                  {"action": "handoff", "email_body": "Dear Maria, ..."})
        assert dropped.status_code == 422 and "sends no email" in dropped.text
    assert (await thread(client, "local:1001"))["waiting_for"] == "email_reply"


async def test_analytics_shows_the_funnel_and_escalations(runtime, client):
    add_operator(runtime)
    for ticket in ("1001", "1002", "1003"):
        await assign(client, runtime, ticket)
    async with console_client(runtime) as browser:
        await log_in(browser)
        page = (await browser.get("/analytics")).text
    assert page.count("<svg") == 3
    funnel = re.search(r"<h2>Funnel</h2>(.*?)</svg>", page, re.S).group(1)
    values = re.findall(r'font-size="13">(\d+)</text>', funnel)
    assert values == ["3", "1", "0", "0", "0"]  # tickets, offers sent, replies, calls, booked
    assert "asked for a person / upset in the ticket" in page
