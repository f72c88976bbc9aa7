"""A model that misreads every ticket as a happy booking and drafts broken emails: the guards still
escalate what exact signals say, no broken email reaches a customer, and the thread API and the
console say what was overruled."""

from __future__ import annotations

from concierge.runtime.process import open_runtime
from tests.console import add_operator, console_client, log_in
from tests.fakes import CarelessChatModel
from tests.server import asgi_client, assign, outbox_messages, thread


async def test_a_careless_model_cannot_talk_a_request_for_a_person_into_a_booking(settings, kb):
    async with open_runtime(settings, kb=kb, workers=2, llm=CarelessChatModel()) as runtime:
        async with asgi_client(runtime) as client:
            await assign(client, runtime, "1003")  # "I want to speak to a real person", double-charged
            detail = await thread(client, "local:1003")
            add_operator(runtime)
            async with console_client(runtime) as browser:
                await log_in(browser)
                page = (await browser.get("/threads/local:1003")).text

    assert detail["path"] == "escalate" and detail["waiting_for"] == "human"
    [note] = detail["guard_notes"]
    assert note["step"] == "triage" and "the model triaged booking" in note["reasons"][0]
    assert "Customer asks for a human" in note["reasons"][0]
    assert "Model overruled" in page and "the model triaged booking" in page


async def test_a_careless_models_broken_offer_never_reaches_the_customer(settings, kb):
    async with open_runtime(settings, kb=kb, workers=2, llm=CarelessChatModel()) as runtime:
        async with asgi_client(runtime) as client:
            await assign(client, runtime, "1001")
            detail = await thread(client, "local:1001")
            sent = outbox_messages(runtime)

    [offer] = detail["emails"]
    body = sent[offer["message_id"]].get_body(("plain",)).get_content()
    assert offer["drafted_by"] == "template" and str(sent[offer["message_id"]]["Subject"]) != "offer"
    assert "{" not in body and body.startswith("Dear Maria,") and all(o["hotel_name"] in body for o in detail["offers"])
    assert [n["step"] for n in detail["guard_notes"]] == ["email_writer"]
