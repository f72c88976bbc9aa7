"""Each email backend delivers the same message: both parts, the reply address and the threading
headers, to a real SMTP server or to fake Resend/SendGrid HTTP servers on loopback; transient
failures are retried, permanent ones raise PermanentEmailFailure with the provider's reason."""

from __future__ import annotations

import re
import ssl

import pytest

from concierge.tools.email import PermanentEmailFailure, build_email_sender
from concierge.tools.email.addresses import thread_from_reply_address
from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.errors import TransientEmailFailure
from concierge.tools.email.smtp import SmtpSender
from tests.conftest import make_settings
from tests.fakes.resend import FakeResend, serve_fake_resend
from tests.fakes.sendgrid import FakeSendGrid, serve_fake_sendgrid
from tests.fakes.smtp import FakeSmtp, self_signed_certificate, serve_fake_smtp

KEY = "k" * 32
SENDER = "Wayfarer Stays <stays@concierge.example.com>"


def outbound(**overrides) -> OutboundEmail:
    from concierge.tools.email.addresses import reply_address

    fields = dict(
        to="maria.costa@example.com", to_name="Maria Costa", subject="Re: Lisbon <3 nights>",
        body="Dear Maria,\n\nHere is what we can offer:\n1. Casa <Alfama> — €180 per night.\n\nWarm regards,\nWayfarer Stays Concierge",
        reply_to=reply_address("local:1001", "concierge.example.com", KEY),
        in_reply_to="<first@concierge.example.com>", references=["<root@mail.example>", "<first@concierge.example.com>"],
        idempotency_key="local:1001:email:2", message_id="<offer-2.abc@concierge.example.com>",
    )
    return OutboundEmail(**{**fields, **overrides})


def test_smtp_delivers_multipart_threaded_email_with_auth(tmp_path):
    with serve_fake_smtp(FakeSmtp(credentials=("concierge", "s3cret"))) as server:
        settings = make_settings(tmp_path, EMAIL_BACKEND="smtp", SMTP_HOST=server.host, SMTP_PORT=server.port,
                                 SMTP_SECURITY="none", SMTP_USERNAME="concierge", SMTP_PASSWORD="s3cret")
        sender = build_email_sender(settings)
        assert isinstance(sender, SmtpSender) and sender.retry_safe is False
        email = outbound()
        import asyncio

        message_id = asyncio.run(sender.send(email))
    [mail] = server.received
    assert mail.login == "concierge" and mail.rcpt_tos == ["maria.costa@example.com"]
    msg = mail.message
    assert msg["Message-ID"] == message_id == email.message_id
    assert msg["In-Reply-To"] == "<first@concierge.example.com>"
    assert msg["References"] == "<root@mail.example> <first@concierge.example.com>"
    assert msg["Subject"] == "Re: Lisbon <3 nights>"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Casa <Alfama> — €180 per night." in plain
    assert "Casa &lt;Alfama&gt; — €180 per night." in html and "<p>Dear Maria,</p>" in html
    assert thread_from_reply_address(msg["Reply-To"].addresses[0].addr_spec, KEY) == "local:1001"


async def test_smtp_refused_recipient_is_permanent_and_wrong_password_too(tmp_path):
    with serve_fake_smtp(FakeSmtp(refused={"nobody@example.com"})) as server:
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="none", attempts=2, max_wait_s=0)
        with pytest.raises(PermanentEmailFailure, match="refused"):
            await sender.send(outbound(to="nobody@example.com"))
        assert server.received == []
    with serve_fake_smtp(FakeSmtp(credentials=("concierge", "s3cret"))) as server:
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="none", username="concierge",
                            password="wrong", attempts=2, max_wait_s=0)
        with pytest.raises(PermanentEmailFailure, match="authentication"):
            await sender.send(outbound())


def _trusting(cert_file) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert_file))


async def test_smtp_starttls_upgrades_before_auth_and_delivers(tmp_path):
    certificate = self_signed_certificate(tmp_path)
    with serve_fake_smtp(FakeSmtp(credentials=("concierge", "s3cret")), tls="starttls", certificate=certificate) as server:
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="starttls", username="concierge",
                            password="s3cret", attempts=1, tls_context=_trusting(certificate[0]))
        message_id = await sender.send(outbound())
    [mail] = server.received
    assert mail.tls is True and mail.login == "concierge"  # the server only offers AUTH after STARTTLS
    assert mail.message["Message-ID"] == message_id and mail.message.get_body(("plain",)) is not None


async def test_smtp_implicit_tls_delivers(tmp_path):
    certificate = self_signed_certificate(tmp_path)
    with serve_fake_smtp(FakeSmtp(credentials=("concierge", "s3cret")), tls="implicit", certificate=certificate) as server:
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="tls", username="concierge",
                            password="s3cret", attempts=1, tls_context=_trusting(certificate[0]))
        await sender.send(outbound())
    [mail] = server.received
    assert mail.tls is True and mail.login == "concierge" and mail.rcpt_tos == ["maria.costa@example.com"]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_smtp_refuses_a_certificate_it_does_not_trust(tmp_path, tls):
    certificate = self_signed_certificate(tmp_path)
    with serve_fake_smtp(FakeSmtp(), tls=tls, certificate=certificate) as server:
        # The system's trust store: a self-signed certificate is not in it, so nothing is sent in clear or at all.
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="starttls" if tls == "starttls" else "tls",
                            attempts=1, timeout_s=5)
        with pytest.raises(TransientEmailFailure, match="CERTIFICATE_VERIFY_FAILED"):
            await sender.send(outbound())
    assert server.received == []


async def test_smtp_without_starttls_is_refused_by_a_server_that_requires_it(tmp_path):
    certificate = self_signed_certificate(tmp_path)
    with serve_fake_smtp(FakeSmtp(), tls="starttls", certificate=certificate) as server:
        sender = SmtpSender(server.host, server.port, sender=SENDER, security="none", attempts=1)
        with pytest.raises(PermanentEmailFailure, match="530"):
            await sender.send(outbound())
    assert server.received == []


async def test_smtp_unreachable_is_transient_after_bounded_retries():
    sender = SmtpSender("127.0.0.1", 1, sender=SENDER, security="none", attempts=2, max_wait_s=0, timeout_s=2)
    with pytest.raises(TransientEmailFailure, match="unreachable"):
        await sender.send(outbound())


async def test_resend_sends_with_idempotency_key_and_retries_429(tmp_path):
    with serve_fake_resend(FakeResend(rate_limit_first=2, retry_after="0")) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url,
                                 EMAIL_RETRY_MAX_WAIT_S=0)
        sender = build_email_sender(settings)
        assert sender.retry_safe is True
        email = outbound()
        first = await sender.send(email)
        again = await sender.send(email)  # a re-send after a crash: same key, nothing new delivered
    assert first == again == email.message_id
    assert fake.attempts == 4  # two 429s, the send, the deduplicated re-send
    [sent] = fake.sent
    assert sent["idempotency_key"] == "local:1001:email:2"
    body = sent["body"]
    assert body["to"] == ["maria.costa@example.com"] and body["reply_to"] == [email.reply_to]
    assert body["headers"] == {"Message-ID": first, "In-Reply-To": "<first@concierge.example.com>",
                               "References": "<root@mail.example> <first@concierge.example.com>"}
    assert "Casa <Alfama>" in body["text"] and "Casa &lt;Alfama&gt;" in body["html"]
    assert sender.provider_ids[first] == sent["id"]


async def test_resend_permanent_failures_carry_the_reason(tmp_path):
    with serve_fake_resend(FakeResend(bounce_addresses={"nobody@example.com"})) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url)
        with pytest.raises(PermanentEmailFailure, match="422.*validation_error"):
            await build_email_sender(settings).send(outbound(to="nobody@example.com"))
        wrong_key = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY="re_wrong", RESEND_BASE_URL=fake.url)
        with pytest.raises(PermanentEmailFailure, match="403.*invalid_api_key"):
            await build_email_sender(wrong_key).send(outbound())
        assert fake.sent == []


async def test_resend_gives_up_after_bounded_attempts(tmp_path):
    with serve_fake_resend(FakeResend(rate_limit_first=99)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_API_KEY=fake.api_key, RESEND_BASE_URL=fake.url,
                                 EMAIL_SEND_ATTEMPTS=3, EMAIL_RETRY_MAX_WAIT_S=0)
        with pytest.raises(TransientEmailFailure, match="429"):
            await build_email_sender(settings).send(outbound())
    assert fake.attempts == 3 and fake.sent == []


async def test_sendgrid_sends_v3_body_after_429_and_500(tmp_path):
    with serve_fake_sendgrid(FakeSendGrid(rate_limit_first=1, fail_first_5xx=1)) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="sendgrid", SENDGRID_API_KEY=fake.api_key,
                                 SENDGRID_BASE_URL=fake.url, EMAIL_RETRY_MAX_WAIT_S=0)
        sender = build_email_sender(settings)
        assert sender.retry_safe is False
        email = outbound()
        message_id = await sender.send(email)
    assert fake.attempts == 3
    [sent] = fake.sent
    body = sent["body"]
    assert body["personalizations"] == [{"to": [{"email": "maria.costa@example.com", "name": "Maria Costa"}],
                                         "subject": "Re: Lisbon <3 nights>"}]
    assert body["from"] == {"email": "stays@concierge.example.com", "name": "Wayfarer Stays"}
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["headers"]["Message-ID"] == message_id and body["headers"]["In-Reply-To"] == "<first@concierge.example.com>"
    assert body["reply_to"] == {"email": email.reply_to}
    assert sender.provider_ids[message_id] == sent["id"]


async def test_sendgrid_bad_address_is_permanent(tmp_path):
    with serve_fake_sendgrid(FakeSendGrid(bounce_addresses={"nobody@example.com"})) as fake:
        settings = make_settings(tmp_path, EMAIL_BACKEND="sendgrid", SENDGRID_API_KEY=fake.api_key, SENDGRID_BASE_URL=fake.url)
        with pytest.raises(PermanentEmailFailure, match="400.*valid address"):
            await build_email_sender(settings).send(outbound(to="nobody@example.com"))


@pytest.mark.parametrize("backend, missing", [("smtp", "SMTP_HOST"), ("resend", "RESEND_API_KEY"), ("sendgrid", "SENDGRID_API_KEY")])
def test_backend_without_its_settings_fails_at_start(tmp_path, backend, missing):
    with pytest.raises(ValueError, match=missing):
        build_email_sender(make_settings(tmp_path, EMAIL_BACKEND=backend))


def test_html_part_escapes_customer_text():
    from concierge.tools.email.render import html_part

    html = html_part(outbound(body="<script>alert(1)</script>"))
    assert "<script>" not in html and re.search(r"&lt;script&gt;", html)


async def test_the_fakes_refuse_a_misspelt_field_as_the_vendors_sdk_models_do(tmp_path):
    import httpx

    from concierge.tools.email.resend import ResendSender
    from concierge.tools.email.sendgrid import SendGridSender

    email = outbound()
    with serve_fake_resend() as resend, serve_fake_sendgrid() as sendgrid:
        good = ResendSender(resend.api_key, sender=SENDER).body(email)
        async with httpx.AsyncClient(base_url=resend.url, headers={"Authorization": f"Bearer {resend.api_key}"}) as client:
            r = await client.post("/emails", json={**good, "reply_too": good.pop("reply_to")})
        assert r.status_code == 422 and r.json()["name"] == "validation_error" and "reply_too" in r.json()["message"]

        good = SendGridSender(sendgrid.api_key, sender=SENDER).body(email)
        async with httpx.AsyncClient(base_url=sendgrid.url, headers={"Authorization": f"Bearer {sendgrid.api_key}"}) as client:
            r = await client.post("/v3/mail/send", json={**good, "custom_arg": good.pop("custom_args")})
            assert r.status_code == 400 and r.json()["errors"][0]["field"] == "custom_arg"
            # A field in the right place but in a shape the SDK's Mail helper would not write.
            r = await client.post("/v3/mail/send", json={**good, "reply_to": {"email": email.reply_to, "mail": "x"}})
            assert r.status_code == 400
    assert resend.sent == [] and sendgrid.sent == []
