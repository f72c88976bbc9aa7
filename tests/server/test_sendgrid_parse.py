"""SendGrid Inbound Parse as SendGrid posts it: each field in the charset `charsets` names, photos
attached (streamed, counted, not kept), and a post past the size accepted kept as far as it is known,
recorded as a failed event and alerted, answered 2xx so SendGrid does not post it again."""

from __future__ import annotations

import json

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.email.addresses import reply_address
from concierge.tools.email.inbox import SetAsideEmails
from tests.conftest import make_settings
from tests.server import WEBHOOKS, alerts, asgi_client, assign, thread

T1001 = "local:1001"
PARSE = f"{WEBHOOKS}/email/sendgrid?token=parse-secret"


@pytest.fixture
async def parse_runtime(tmp_path, kb):
    settings = make_settings(tmp_path, SENDGRID_INBOUND_TOKEN="parse-secret", SENDGRID_INBOUND_MAX_BYTES=str(8 * 1024 * 1024))
    async with open_runtime(settings, kb=kb, workers=1) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        yield runtime, client


def parse_post(runtime, text: str, subject: str, *, charset: str = "utf-8", attachment: bytes | None = None) -> httpx.Request:
    """The multipart post Inbound Parse makes: text fields in the email's own charset, `charsets`
    naming it per field, attachments as files (SendGrid puts them after the fields)."""
    to = reply_address(T1001, runtime.settings.reply_domain, runtime.settings.signing_key)
    fields = {
        "headers": "Message-ID: <parse-1@mail.example.ch>\nFrom: Maria Costa <maria.costa@example.com>\nSubject: x\n",
        "dkim": "{@example.ch : pass}", "to": to, "from": "Maria Costa <maria.costa@example.com>",
        "text": text.encode(charset), "subject": subject.encode(charset), "sender_ip": "192.0.2.10", "SPF": "pass",
        "envelope": json.dumps({"to": [to], "from": "maria.costa@example.com"}),
        "charsets": json.dumps({"to": "UTF-8", "subject": charset, "from": "UTF-8", "text": charset}),
        "attachments": "1" if attachment else "0",
    }
    files: dict = {k: (None, v) for k, v in fields.items()}
    if attachment:
        files["attachment-info"] = (None, json.dumps({"attachment1": {"filename": "IMG_0042.jpg", "name": "IMG_0042.jpg",
                                                                      "type": "image/jpeg"}}))
        files["attachment1"] = ("IMG_0042.jpg", attachment, "image/jpeg")
    return httpx.Request("POST", f"http://concierge{PARSE}", files=files)


async def send(client, request: httpx.Request) -> httpx.Response:
    """Posted in 64 KiB chunks, as a server hands a streamed body to the app."""
    body = request.read()

    async def chunks():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    return await client.post(PARSE, content=chunks(), headers={"content-type": request.headers["content-type"]}, auth=None)


@pytest.mark.parametrize("charset, subject, text", [
    ("iso-8859-1", "Re: Réservation à Genève", "Réservation à Genève : appelez-moi au +351 912 345 678, merci. Hélène"),
    # Bytes that are not UTF-8 read as Latin-1 would give control characters for € and ’ here.
    ("windows-1252", "Re: Réservation à Genève – 450 €", "C’est parfait, 450 € la nuit. Appelez-moi au +351 912 345 678"),
    ("koi8-r", "Re: Бронирование в Женеве", "Бронирование подходит, позвоните мне: +351 912 345 678"),
])
async def test_a_post_is_read_in_the_charsets_it_names(parse_runtime, charset, subject, text):
    runtime, client = parse_runtime
    r = await send(client, parse_post(runtime, text, subject, charset=charset))
    assert r.status_code == 202, r.text
    await runtime.queue.join()
    [reply] = (await thread(client, T1001))["replies"]
    assert reply["subject"] == subject
    assert reply["text"].startswith(text[:24])
    assert (await thread(client, T1001))["waiting_for"] == "call_report"


async def test_a_reply_with_a_5_mb_photo_is_taken_and_its_text_read(parse_runtime):
    runtime, client = parse_runtime
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * (5 * 1024 * 1024 // 256)
    r = await send(client, parse_post(runtime, "Here is our room wish list. Call me on +351 912 345 678", "Re: Lisbon",
                                      attachment=photo))
    assert r.status_code == 202, r.text
    assert r.json()["thread_id"] == T1001
    await runtime.queue.join()
    detail = await thread(client, T1001)
    assert detail["replies"][0]["text"].startswith("Here is our room wish list.")
    assert detail["waiting_for"] == "call_report"


async def test_a_post_past_the_limit_is_kept_recorded_and_alerted_not_lost(parse_runtime):
    runtime, client = parse_runtime
    video = b"\x00" * (9 * 1024 * 1024)  # past the 8 MiB this server takes
    r = await send(client, parse_post(runtime, "A video of the view we want", "Re: Lisbon", attachment=video))
    assert r.status_code == 202, r.text  # a 2xx: SendGrid would only post the same post again
    body = r.json()
    assert body["too_large"] is True and body["matched"] is True and body["thread_id"] == T1001
    await runtime.queue.join()
    [failed] = [e for e in await runtime.services.store.failed_events() if e["kind"] == "email_too_large"]
    assert failed["thread_id"] == T1001 and "larger than the 8,388,608 bytes accepted" in failed["error"]
    assert failed["payload"]["subject"] == "Re: Lisbon" and failed["payload"]["message_id"] == "<parse-1@mail.example.ch>"
    [kept] = SetAsideEmails(runtime.settings.unmatched_emails_file).read()
    assert kept["thread_id"] == T1001 and kept["reason"].startswith("too large")
    assert any(a["title"].startswith("Email too large") for a in alerts(runtime))
    assert any("could not be read" in n for n in await runtime.services.helpdesk.notes("1001"))
    detail = await thread(client, T1001)
    assert detail["waiting_for"] == "email_reply" and not detail["replies"]  # still waits for a reply it can read
