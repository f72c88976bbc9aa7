"""POST /webhooks/email/{provider}: matching when mail clients strip headers, auto-replies kept aside,
ambiguous senders not guessed, providers not configured refused."""

from __future__ import annotations

import base64
from email.message import EmailMessage

from concierge.server.runtime import open_runtime
from concierge.tools.email.inbox import SetAsideEmails
from tests.conftest import make_settings
from tests.server import WEBHOOKS, alerts, asgi_client, assign, thread, world

T1001 = "local:1001"
RFC822 = {"Content-Type": "message/rfc822"}


def reply(text: str, *, sender="Maria Costa <maria.costa@example.com>", to="stays@concierge.example.com", **headers) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Re: Lisbon"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return bytes(msg)


async def test_reply_without_any_threading_is_matched_by_the_sender_s_open_ticket(client, runtime):
    await assign(client, runtime, "1001")
    r = await client.post(f"{WEBHOOKS}/email/mime", content=reply("+351 912 345 678", Message_ID="<s1@mail>"), headers=RFC822)
    assert r.status_code == 202 and r.json()["thread_id"] == T1001
    await runtime.queue.join()
    assert (await thread(client, T1001))["waiting_for"] == "call_report"


async def test_forged_reply_token_does_not_match_by_token(client, runtime):
    await assign(client, runtime, "1001")
    forged = "reply+local.1001.0000000000000000@concierge.example.com"
    r = await client.post(f"{WEBHOOKS}/email/mime", content=reply("+44 7700 900123", sender="mallory@example.com", to=forged),
                          headers=RFC822)
    assert r.status_code == 202 and r.json()["matched"] is False
    await runtime.queue.join()
    assert (await thread(client, T1001))["replies"] == []


async def test_out_of_office_is_kept_beside_the_thread_which_still_waits(client, runtime):
    detail = await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    raw = reply("I am away until Monday. Urgent: +351 21 000 0000", In_Reply_To=detail["emails"][0]["message_id"],
                Auto_Submitted="auto-replied", Message_ID="<ooo@mail>")
    r = await client.post(f"{WEBHOOKS}/email/mime", content=raw, headers=RFC822)
    assert r.status_code == 202 and r.json() == {"matched": True, "thread_id": T1001, "event_id": "<ooo@mail>", "ignored": "auto-reply"}
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before
    [kept] = SetAsideEmails(runtime.settings.unmatched_emails_file).read()
    assert kept["reason"] == "auto-reply" and kept["thread_id"] == T1001


async def test_sender_with_two_open_tickets_is_ambiguous_and_alerted(client, runtime):
    await assign(client, runtime, "1001")
    # The same customer's second ticket: registered with another thread of the same sender.
    snapshot = await runtime.runner.snapshot(T1001)
    other = dict(snapshot.values)
    await runtime.services.store.register_thread("local:9001", "local", "9001")
    await runtime.graph.aupdate_state(runtime.runner.config("local:9001"), {"ticket": other["ticket"], "stage": "email_sent"})
    await runtime.runner.record_status("local:9001")  # written behind the runner's back: mirror it as a run would
    r = await client.post(f"{WEBHOOKS}/email/mime", content=reply("+351 912 345 678", Message_ID="<amb@mail>"), headers=RFC822)
    assert r.status_code == 202 and r.json()["matched"] is False and "ambiguous" in r.json()["reason"]
    assert any(a["title"].startswith("Unmatched email") for a in alerts(runtime))


async def test_unsigned_or_malformed_mime_changes_nothing(client, runtime):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    assert (await client.post(f"{WEBHOOKS}/email/mime", content=reply("x"), headers=RFC822, auth=None)).status_code == 401
    assert (await client.post(f"{WEBHOOKS}/email/mime", content=b"garbage", headers=RFC822)).status_code == 422
    bad_id = reply("x").replace(b"From:", "Message-ID: <a\u2028b@x>\nFrom:".encode(), 1)
    assert (await client.post(f"{WEBHOOKS}/email/mime", content=bad_id, headers=RFC822)).status_code == 422
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_providers_not_configured_are_404(client):
    for provider in ("sendgrid", "resend"):
        assert (await client.post(f"{WEBHOOKS}/email/{provider}", content=b"{}")).status_code == 404
    assert (await client.post(f"{WEBHOOKS}/email/mailgun", content=b"{}")).status_code == 422


async def test_sendgrid_inbound_parse_with_basic_auth(tmp_path, kb):
    settings = make_settings(tmp_path, SENDGRID_INBOUND_BASIC_AUTH="parse:s3cret")
    async with open_runtime(settings, kb=kb, workers=1) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        form = {"from": "maria.costa@example.com", "to": "stays@concierge.example.com", "subject": "Re: Lisbon",
                "headers": "Message-ID: <sg1@mail>\n", "text": "Call me: +351 912 345 678"}
        files = {k: (None, v) for k, v in form.items()}
        good = {"Authorization": "Basic " + base64.b64encode(b"parse:s3cret").decode()}
        bad = {"Authorization": "Basic " + base64.b64encode(b"parse:guess").decode()}
        assert (await client.post(f"{WEBHOOKS}/email/sendgrid", files=files, headers=bad, auth=None)).status_code == 401
        r = await client.post(f"{WEBHOOKS}/email/sendgrid", files=files, headers=good, auth=None)
        assert r.status_code == 202 and r.json()["event_id"] == "<sg1@mail>"
        await runtime.queue.join()
        assert (await thread(client, T1001))["waiting_for"] == "call_report"
