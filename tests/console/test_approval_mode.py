"""Approval mode (REVIEW_BEFORE_SEND): drafts wait in review_draft until an operator approves,
edits or rejects them; nothing is sent before, and what is sent is what the operator approved."""

from __future__ import annotations

import pytest

from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.console import OPERATOR, add_operator, console_client, log_in, post_form
from tests.flows.test_flows import reply
from tests.server import THREADS, asgi_client, assign, outbox_files, outbox_messages, thread


@pytest.fixture
async def reviewed(tmp_path, kb):
    async def open_(mode: str):
        return open_runtime(make_settings(tmp_path / mode, REVIEW_BEFORE_SEND=mode), kb=kb, workers=2)
    return open_


async def test_offers_mode_holds_every_offer_email_until_an_operator_edits_it(reviewed):
    async with await reviewed("offers") as runtime, asgi_client(runtime) as client:
        add_operator(runtime)
        held = await assign(client, runtime, "1001")
        assert held["waiting_for"] == "draft_review" and held["emails"] == [] and outbox_files(runtime) == []
        support = await assign(client, runtime, "1002")  # a support answer is not an offer: it goes out
        assert support["outcome"]["status"] == "resolved" and len(outbox_files(runtime)) == 1

        async with console_client(runtime) as browser:
            await log_in(browser)
            page = (await browser.get("/threads/local:1001")).text
            assert "A draft waits for approval" in page and "Send your edited version" in page
            r = await post_form(browser, "/threads/local:1001", "/threads/local:1001/decide", {
                "action": "edit", "note": "warmer opening", "email_subject": "Your quiet Lisbon stay",
                "email_body": "Dear Maria,\n\nEdited by Sofia: we kept the quietest rooms for you.\n\nCould you send us a phone number?",
            })
            assert r.status_code == 303

        detail = await thread(client, "local:1001")
        assert detail["waiting_for"] == "email_reply"
        [sent] = detail["emails"]
        assert sent["subject"] == "Your quiet Lisbon stay" and "Edited by Sofia" in sent["body"]
        message = outbox_messages(runtime)[sent["message_id"]]
        assert message["Subject"] == "Your quiet Lisbon stay"
        assert "Edited by Sofia" in message.get_body(("plain",)).get_content()
        assert any(e["node"] == "review_draft" and OPERATOR in e["text"] for e in detail["log"])
        [note] = await runtime.services.helpdesk.notes("1001")  # who approved it, and what went out
        assert f"edited and approved by {OPERATOR} before sending: warmer opening" in note and "Edited by Sofia" in note

        # A follow-up asking for the number is not an offer: it is sent without waiting.
        detail = await reply(client, runtime, "local:1001", "Sounds good, what next?")
        assert detail["waiting_for"] == "email_reply" and len(detail["emails"]) == 2


async def test_all_mode_holds_a_support_answer_and_approve_sends_the_draft_as_written(reviewed):
    async with await reviewed("all") as runtime, asgi_client(runtime) as client:
        held = await assign(client, runtime, "1002")
        assert held["waiting_for"] == "draft_review" and outbox_files(runtime) == []
        draft = (await runtime.runner.snapshot("local:1002")).values["draft"]

        r = await client.post(f"{THREADS}/local:1002/resume", json={"action": "approve", "by": "ana"})
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["outcome"]["status"] == "resolved"
        [sent] = detail["emails"]
        assert sent["reviewed"] == {"action": "approve", "by": "ana", "note": ""}
        assert outbox_messages(runtime)[sent["message_id"]].get_body(("plain",)).get_content().startswith(draft["body"][:40])


async def test_rejecting_a_draft_sends_nothing_and_hands_the_ticket_to_a_person_with_the_note(reviewed):
    async with await reviewed("offers") as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        edit_without_text = await client.post(f"{THREADS}/local:1001/resume", json={"action": "edit", "by": "ana"})
        assert edit_without_text.status_code == 422 and "edited email" in edit_without_text.text
        wrong = await client.post(f"{THREADS}/local:1001/resume", json={"action": "handoff", "by": "ana"})
        assert wrong.status_code == 409  # the draft's wait takes approve, edit or reject

        r = await client.post(f"{THREADS}/local:1001/resume", json={"action": "reject", "note": "wrong city", "by": "ana"})
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["waiting_for"] == "human" and detail["emails"] == [] and outbox_files(runtime) == []
        assert detail["escalation"]["reasons"] == ["The offer email was rejected by ana before sending: wrong city"]
        notes = await runtime.services.helpdesk.notes("1001")
        assert any("wrong city" in n for n in notes)

        # retry drafts again, and the new draft waits for review again.
        r = await client.post(f"{THREADS}/local:1001/resume", json={"action": "retry", "by": "ana"})
        assert r.json()["waiting_for"] == "draft_review" and outbox_files(runtime) == []


async def test_approving_a_draft_the_operator_changed_is_refused_so_no_edit_is_lost(reviewed):
    async with await reviewed("offers") as runtime, asgi_client(runtime) as client:
        add_operator(runtime)
        await assign(client, runtime, "1001")
        async with console_client(runtime) as browser:
            await log_in(browser)
            r = await post_form(browser, "/threads/local:1001", "/threads/local:1001/decide",
                                {"action": "approve", "email_subject": "Changed", "email_body": "A changed text"})
            assert r.status_code == 422 and "choose “edit”" in r.text
        assert (await thread(client, "local:1001"))["waiting_for"] == "draft_review" and outbox_files(runtime) == []
