"""Threading when the provider rewrites the Message-ID: Resend (through SES) and SendGrid can send
our email with a Message-ID of their own, and the customer's reply quotes that one. The id as
delivered is learned from Resend's read-back (`GET /emails/{id}`) or its events, and from SendGrid's
signed Event Webhook (`smtp-id`), and a reply is matched by it. The customer here answers from
another address, to our From address: only In-Reply-To/References can find the thread."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

from svix.webhooks import Webhook

from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.fakes.resend import FakeResend, serve_fake_resend
from tests.fakes.sendgrid import FakeSendGrid, serve_fake_sendgrid
from tests.server import WEBHOOKS, asgi_client, assign, thread

T1001 = "local:1001"
WHSEC = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def reply_quoting(message_id: str) -> bytes:
    """The customer answering from their work address to the From address: nothing but the threading
    headers names our email."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Maria Costa <m.costa@work.example>", "stays@concierge.example.com", "Re: Lisbon"
    msg["Message-ID"], msg["In-Reply-To"], msg["References"] = f"<{uuid.uuid4().hex}@work.example>", message_id, message_id
    msg.set_content("Lovely, call me on +351 912 345 678 please.")
    return bytes(msg)


async def replied(client, runtime, message_id: str) -> dict:
    r = await client.post(f"{WEBHOOKS}/email/mime", content=reply_quoting(message_id), headers={"Content-Type": "message/rfc822"})
    assert r.status_code == 202, r.text
    return r.json()


def svix(body: str) -> dict[str, str]:
    msg_id = "msg_" + uuid.uuid4().hex
    return {"svix-id": msg_id, "svix-timestamp": str(int(datetime.now(UTC).timestamp())), "Content-Type": "application/json",
            "svix-signature": Webhook(WHSEC).sign(msg_id, datetime.now(UTC), body)}


async def test_resend_a_reply_to_the_message_id_ses_gave_is_matched(tmp_path, kb):
    with serve_fake_resend(FakeResend(rewrite_message_id=True)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url)
        async with open_runtime(settings, kb=kb, workers=1) as runtime, asgi_client(runtime) as client:
            detail = await assign(client, runtime, "1001")
            [sent] = fake.sent
            delivered = sent["message_id"]
            assert delivered != sent["body"]["headers"]["Message-ID"]
            assert detail["emails"][0]["message_id"] == delivered  # what later emails thread under

            matched = await replied(client, runtime, delivered)
            assert matched["thread_id"] == T1001
            await runtime.queue.join()
            assert (await thread(client, T1001))["waiting_for"] == "call_report"


async def test_resend_an_email_event_brings_the_message_id_the_read_back_did_not(tmp_path, kb):
    with serve_fake_resend(FakeResend(rewrite_message_id=True, report_message_id=False)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url,
                                 RESEND_WEBHOOK_SECRET=WHSEC)
        async with open_runtime(settings, kb=kb, workers=1) as runtime, asgi_client(runtime) as client:
            await assign(client, runtime, "1001")
            [sent] = fake.sent
            event = json.dumps(fake.event(sent, "email.delivered"))
            forged = await client.post(f"{WEBHOOKS}/email/resend", content=event, auth=None, headers={**svix(event), "svix-signature": "v1,AAAA"})
            assert forged.status_code == 401
            r = await client.post(f"{WEBHOOKS}/email/resend", content=event, headers=svix(event), auth=None)
            assert r.status_code == 202, r.text
            assert r.json() == {"linked": 1, "thread_ids": [T1001]}

            assert (await replied(client, runtime, sent["message_id"]))["thread_id"] == T1001


async def test_sendgrid_the_event_webhooks_smtp_id_matches_the_reply(tmp_path, kb):
    with serve_fake_sendgrid(FakeSendGrid(rewrite_message_id=True)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="sendgrid", SENDGRID_API_KEY=fake.api_key, SENDGRID_BASE_URL=fake.url,
                                 SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY=fake.public_key)
        async with open_runtime(settings, kb=kb, workers=1) as runtime, asgi_client(runtime) as client:
            await assign(client, runtime, "1001")
            [sent] = fake.sent
            assert sent["message_id"] != sent["body"]["headers"]["Message-ID"]
            body, headers = fake.signed(fake.events(sent))
            tampered = body.replace(b"delivered", b"dropped")
            assert (await client.post(f"{WEBHOOKS}/email/sendgrid/events", content=tampered, headers=headers, auth=None)).status_code == 401
            stale, old = fake.signed(fake.events(sent), timestamp=int(datetime.now(UTC).timestamp()) - 3600)
            assert (await client.post(f"{WEBHOOKS}/email/sendgrid/events", content=stale, headers=old, auth=None)).status_code == 401
            r = await client.post(f"{WEBHOOKS}/email/sendgrid/events", content=body, headers=headers, auth=None)
            assert r.status_code == 200, r.text
            assert r.json()["thread_ids"] == [T1001]

            assert (await replied(client, runtime, sent["message_id"]))["thread_id"] == T1001
            await runtime.queue.join()
            assert (await thread(client, T1001))["waiting_for"] == "call_report"
