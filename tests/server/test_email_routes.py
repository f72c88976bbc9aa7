"""POST /webhooks/email/{provider}: matching when mail clients strip headers, auto-replies kept aside,
ambiguous senders not guessed, providers not configured refused."""

from __future__ import annotations

import base64
from email.message import EmailMessage

from concierge.runtime.process import open_runtime
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
    await runtime.graph.aupdate_state(runtime.runner.config("local:9001"), {"ticket": other["ticket"], "stage": "email_sent"},
                                      as_node="send_email")
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


# --- delivery reports that come back later ------------------------------------------------------------
def dsn(original_id: str, *, action="failed", status="5.1.1", diagnostic="smtp; 550 5.1.1 <maria.costa@example.com>: Recipient address rejected: User unknown",
        message_id="<dsn-1@mx.example.net>", quoted="text/rfc822-headers") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    original = f"From: stays@concierge.example.com\r\nTo: maria.costa@example.com\r\nSubject: Lisbon\r\nMessage-ID: {original_id}\r\n"
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        "To: stays@concierge.example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {message_id}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; maria.costa@example.com\r\nOriginal-Recipient: rfc822;maria.costa@example.com\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {diagnostic}\r\n\r\n"
        f"--B\r\nContent-Type: {quoted}\r\n\r\n{original}\r\n--B--\r\n"
    ).encode()


async def test_a_permanent_bounce_reported_later_escalates_the_waiting_thread_once(client, runtime):
    offer = (await assign(client, runtime, "1001"))["emails"][0]
    raw = dsn(offer["message_id"])
    r = await client.post(f"{WEBHOOKS}/email/mime", content=raw, headers=RFC822)
    assert r.status_code == 202, r.text
    assert r.json()["thread_id"] == T1001 and r.json()["bounce"].startswith("5.1.1 <maria.costa@example.com>:")
    await runtime.queue.join()

    detail = await thread(client, T1001)
    assert detail["waiting_for"] == "human" and detail["escalation"]["source"] == "email"
    [reason] = detail["escalation"]["reasons"]
    assert reason.startswith("The offer email could not be delivered (reported later by the mail server): 5.1.1")
    assert "User unknown" in reason
    assert [a["kind"] for a in alerts(runtime)] == ["escalation"]
    [kept] = SetAsideEmails(runtime.settings.unmatched_emails_file).read()
    assert (kept["reason"], kept["thread_id"]) == ("bounce", T1001)

    # Delivered again by the provider, or a second report about the same email: no second escalation.
    again = await client.post(f"{WEBHOOKS}/email/mime", content=raw, headers=RFC822)
    assert again.json()["duplicate"] is True
    other = await client.post(f"{WEBHOOKS}/email/mime", content=dsn(offer["message_id"], message_id="<dsn-2@mx.example.net>",
                                                                      quoted="message/rfc822"), headers=RFC822)
    assert other.json()["thread_id"] == T1001 and other.json()["duplicate"] is False
    await runtime.queue.join()
    event = await runtime.services.store.event("email:mime", "<dsn-2@mx.example.net>")
    assert event["status"] == "ignored" and "waits for human" in event["error"]
    assert [a["kind"] for a in alerts(runtime)] == ["escalation"]
    assert (await thread(client, T1001))["escalations"] == 1


async def test_a_delayed_delivery_report_is_only_kept(client, runtime):
    offer = (await assign(client, runtime, "1001"))["emails"][0]
    before = await world(client, runtime, T1001, "1001")
    raw = dsn(offer["message_id"], action="delayed", status="4.4.1", diagnostic="X-Postfix; connect timed out")
    r = await client.post(f"{WEBHOOKS}/email/mime", content=raw, headers=RFC822)
    assert r.status_code == 202 and r.json()["ignored"] == "auto-reply"
    await runtime.queue.join()
    after = await world(client, runtime, T1001, "1001")
    assert after["thread"] == before["thread"] and after["alerts"] == before["alerts"]
