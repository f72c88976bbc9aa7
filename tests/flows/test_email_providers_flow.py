"""The whole booking flow with real email transports: the offer goes out through SMTP (aiosmtpd on
loopback), Resend or SendGrid (fake HTTP servers on loopback); the customer's reply comes back
through that provider's inbound route (raw MIME, Resend's svix-signed event, SendGrid Inbound
Parse); the reply is matched to its thread and the call is placed to the number in it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

from svix.webhooks import Webhook

from concierge.runtime.process import open_runtime
from concierge.tools.llm.offline.engine import ENGINE_NAME
from tests.conftest import make_settings
from tests.fakes.resend import FakeResend, serve_fake_resend
from tests.fakes.sendgrid import FakeSendGrid, serve_fake_sendgrid
from tests.fakes.smtp import serve_fake_smtp
from tests.server import WEBHOOKS, asgi_client, assign, thread

T1001 = "local:1001"
WHSEC = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REPLY = "Thanks, that looks lovely! You can reach me on +351 912 345 678, afternoons are best.\n\nMaria"


def customer_reply(offer: dict[str, str], body_text: str, *, quote: str) -> EmailMessage:
    """The customer's mail client answering our offer: to the Reply-To, threaded, with the offer quoted below."""
    msg = EmailMessage()
    msg["From"] = "Maria Costa <maria.costa@example.com>"
    msg["To"] = offer["reply_to"]
    msg["Subject"] = "Re: " + offer["subject"].removeprefix("Re: ")
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@mail.example.com>"
    msg["In-Reply-To"] = offer["message_id"]
    msg["References"] = offer["message_id"]
    quoted = "\n".join("> " + line for line in quote.splitlines())
    msg.set_content(f"{body_text}\n\nOn Tue, 24 Nov 2026 at 10:00, Wayfarer Stays wrote:\n{quoted}\n")
    return msg


async def placed_call(client, runtime) -> dict:
    await runtime.queue.join()
    detail = await thread(client, T1001)
    assert detail["waiting_for"] == "call_report", detail["log"]
    [call] = detail["calls"]
    record = json.loads((runtime.settings.calls_dir / f"{call['call_id']}.json").read_text())
    return {"detail": detail, "to": record["request"]["to"]}


async def test_smtp_offer_then_mime_reply_places_the_call(tmp_path, kb):
    with serve_fake_smtp() as smtp:
        settings = make_settings(tmp_path, EMAIL_BACKEND="smtp", SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, SMTP_SECURITY="none")
        async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
            detail = await assign(client, runtime, "1001")
            [mail] = smtp.received
            sent = mail.message
            assert mail.rcpt_tos == ["maria.costa@example.com"]
            assert sent["Message-ID"] == detail["emails"][0]["message_id"]
            plain = sent.get_body(("plain",)).get_content()
            assert detail["offers"][0]["hotel_name"] in plain and detail["offers"][0]["hotel_name"] in sent.get_body(("html",)).get_content()
            # What drafted it is kept in the thread and a header, never told the customer.
            assert sent["X-Concierge-Drafted-By"] == detail["emails"][0]["drafted_by"] == ENGINE_NAME
            assert "offline engine" not in plain and "Drafted by" not in plain
            offer = {"reply_to": str(sent["Reply-To"]), "subject": str(sent["Subject"]), "message_id": sent["Message-ID"]}
            reply = customer_reply(offer, REPLY, quote=plain)

            r = await client.post(f"{WEBHOOKS}/email/mime", content=bytes(reply), headers={"Content-Type": "message/rfc822"})
            assert r.status_code == 202, r.text
            assert r.json()["thread_id"] == T1001
            call = await placed_call(client, runtime)
            assert call["to"] == "+351912345678"
            assert call["detail"]["replies"][0]["text"].startswith("Thanks, that looks lovely!")

            # Unsigned: refused before anything is read.
            unsigned = await client.post(f"{WEBHOOKS}/email/mime", content=bytes(reply), headers={"Content-Type": "message/rfc822"},
                                         auth=None)
            assert unsigned.status_code == 401


async def test_resend_offer_then_svix_signed_inbound_places_the_call(tmp_path, kb):
    with serve_fake_resend(FakeResend(rate_limit_first=1)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url,
                                 RESEND_WEBHOOK_SECRET=WHSEC, EMAIL_RETRY_MAX_WAIT_S=0)
        async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
            detail = await assign(client, runtime, "1001")
            [sent] = fake.sent
            assert sent["idempotency_key"] == "local:1001:email:1"
            assert detail["emails"][0]["provider_id"] == sent["id"]
            assert sent["body"]["headers"]["X-Concierge-Drafted-By"] == ENGINE_NAME
            offer = {"reply_to": sent["body"]["reply_to"][0], "subject": sent["body"]["subject"],
                     "message_id": sent["body"]["headers"]["Message-ID"]}
            reply = customer_reply(offer, REPLY, quote=sent["body"]["text"])
            fake.received["in-1"] = {
                "from": str(reply["From"]), "to": [str(reply["To"])], "subject": str(reply["Subject"]),
                "text": reply.get_content(), "html": None, "message_id": reply["Message-ID"],
                "headers": {"In-Reply-To": reply["In-Reply-To"], "References": reply["References"]},
            }
            event = json.dumps({"type": "email.received", "created_at": datetime.now(UTC).isoformat(),
                                "data": {"email_id": "in-1", "from": str(reply["From"]), "to": [str(reply["To"])]}})
            msg_id = "msg_" + uuid.uuid4().hex
            signature = Webhook(WHSEC).sign(msg_id, datetime.now(UTC), event)
            headers = {"svix-id": msg_id, "svix-timestamp": str(int(datetime.now(UTC).timestamp())), "svix-signature": signature,
                       "Content-Type": "application/json"}

            forged = await client.post(f"{WEBHOOKS}/email/resend", content=event, auth=None,
                                       headers={**headers, "svix-signature": "v1,AAAA"})
            assert forged.status_code == 401
            r = await client.post(f"{WEBHOOKS}/email/resend", content=event, headers=headers, auth=None)
            assert r.status_code == 202, r.text
            assert r.json()["event_id"] == "resend:in-1"
            call = await placed_call(client, runtime)
            assert call["to"] == "+351912345678"


async def test_sendgrid_offer_then_inbound_parse_places_the_call(tmp_path, kb):
    with serve_fake_sendgrid(FakeSendGrid(rate_limit_first=1)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="sendgrid", SENDGRID_API_KEY=fake.api_key, SENDGRID_BASE_URL=fake.url,
                                 SENDGRID_INBOUND_TOKEN="parse-secret", EMAIL_RETRY_MAX_WAIT_S=0)
        async with open_runtime(settings, kb=kb, workers=2) as runtime, asgi_client(runtime) as client:
            await assign(client, runtime, "1001")
            [sent] = fake.sent
            body = sent["body"]
            offer = {"reply_to": body["reply_to"]["email"], "subject": body["personalizations"][0]["subject"],
                     "message_id": body["headers"]["Message-ID"]}
            reply = customer_reply(offer, REPLY, quote=body["content"][0]["value"])
            head = "".join(f"{k}: {v}\n" for k, v in reply.items())
            form = {"headers": head, "from": str(reply["From"]), "to": str(reply["To"]), "subject": str(reply["Subject"]),
                    "text": reply.get_content(), "envelope": json.dumps({"to": [str(reply["To"])], "from": "maria.costa@example.com"}),
                    "charsets": json.dumps({"text": "utf-8"}), "SPF": "pass"}
            wrong = await client.post(f"{WEBHOOKS}/email/sendgrid?token=guess", files={k: (None, v) for k, v in form.items()}, auth=None)
            assert wrong.status_code == 401
            r = await client.post(f"{WEBHOOKS}/email/sendgrid?token=parse-secret", files={k: (None, v) for k, v in form.items()}, auth=None)
            assert r.status_code == 202, r.text
            call = await placed_call(client, runtime)
            assert call["to"] == "+351912345678"
