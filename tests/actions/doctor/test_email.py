"""The email check against each backend's fake: SMTP (a real aiosmtpd server: EHLO and the login),
Resend and SendGrid (the key, and EMAIL_FROM's domain verified). Nothing is sent."""

from __future__ import annotations

from concierge.actions.doctor import check_email
from tests.conftest import make_settings
from tests.fakes.resend import listed_domain, serve_fake_resend
from tests.fakes.sendgrid import authenticated_domain, serve_fake_sendgrid
from tests.fakes.smtp import FakeSmtp, serve_fake_smtp
from tests.processes import free_port


async def one(settings):
    [check] = await check_email(settings)
    return check


async def test_smtp_logs_in_with_the_right_password_and_names_the_wrong_one_and_a_closed_port(tmp_path):
    with serve_fake_smtp(FakeSmtp(credentials=("concierge", "s3cret"))) as smtp:
        base = {"EMAIL_BACKEND": "smtp", "SMTP_HOST": smtp.host, "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none",
                "SMTP_USERNAME": "concierge"}
        good = await one(make_settings(tmp_path, **base, SMTP_PASSWORD="s3cret"))
        assert good.ok and "answered EHLO" in good.detail and "logged in as concierge" in good.detail
        bad = await one(make_settings(tmp_path, **base, SMTP_PASSWORD="wrong"))
        assert not bad.ok and "refused the login (535)" in bad.detail and "SMTP_PASSWORD" in bad.fix
    assert smtp.received == []  # nothing was sent

    closed = await one(make_settings(tmp_path, EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port()))
    assert not closed.ok and "unreachable" in closed.detail and "SMTP_PORT" in closed.fix
    unset = await one(make_settings(tmp_path, EMAIL_BACKEND="smtp"))
    assert not unset.ok and "SMTP_HOST is not set" in unset.detail


async def test_smtp_starttls_on_a_server_that_does_not_offer_it_says_which_security_to_set(tmp_path):
    with serve_fake_smtp(FakeSmtp()) as smtp:  # plain, no STARTTLS offered
        check = await one(make_settings(tmp_path, EMAIL_BACKEND="smtp", SMTP_HOST=smtp.host, SMTP_PORT=smtp.port,
                                        SMTP_SECURITY="starttls"))
    assert not check.ok and "SMTP_SECURITY" in check.fix


async def test_resend_accepts_the_key_and_finds_the_sending_domain_verified(tmp_path):
    with serve_fake_resend() as fake:
        base = {"EMAIL_BACKEND": "resend", "RESEND_BASE_URL": fake.url, "EMAIL_FROM": "Wayfarer <stays@concierge.example.com>"}
        good = await one(make_settings(tmp_path, **base, RESEND_API_KEY=fake.api_key))
        assert good.ok and "concierge.example.com is verified" in good.detail

        bad = await one(make_settings(tmp_path, **base, RESEND_API_KEY="re_wrong"))
        assert not bad.ok and bad.detail == "RESEND_API_KEY: answered 403 Forbidden (invalid_api_key)" and "new API key" in bad.fix

        fake.domains = [listed_domain("concierge.example.com", "pending")]
        pending = await one(make_settings(tmp_path, **base, RESEND_API_KEY=fake.api_key))
        assert not pending.ok and "concierge.example.com is pending" in pending.detail and "DNS records" in pending.fix

        fake.domains = [listed_domain("other.example", "verified")]
        elsewhere = await one(make_settings(tmp_path, **base, RESEND_API_KEY=fake.api_key))
        assert not elsewhere.ok and "concierge.example.com is not set up" in elsewhere.detail and "EMAIL_FROM" in elsewhere.fix

        fake.sending_only = True  # a key that may only send: accepted, the domain cannot be read with it
        sending = await one(make_settings(tmp_path, **base, RESEND_API_KEY=fake.api_key))
        assert sending.ok and "sending access only" in sending.detail
    assert fake.sent == []


async def test_resend_pages_through_the_domains(tmp_path):
    with serve_fake_resend() as fake:
        fake.domains = [listed_domain(f"d{i}.example", "verified") for i in range(150)] + [listed_domain("concierge.example.com", "verified")]
        check = await one(make_settings(tmp_path, EMAIL_BACKEND="resend", RESEND_BASE_URL=fake.url, RESEND_API_KEY=fake.api_key))
    assert check.ok, check


async def test_sendgrid_accepts_the_key_and_finds_the_domain_authenticated(tmp_path):
    with serve_fake_sendgrid() as fake:
        base = {"EMAIL_BACKEND": "sendgrid", "SENDGRID_BASE_URL": fake.url}
        good = await one(make_settings(tmp_path, **base, SENDGRID_API_KEY=fake.api_key))
        assert good.ok and "concierge.example.com is verified" in good.detail

        bad = await one(make_settings(tmp_path, **base, SENDGRID_API_KEY="SG.wrong"))
        assert not bad.ok and bad.detail == "SENDGRID_API_KEY: answered 401 Unauthorized"

        fake.domains = [authenticated_domain("concierge.example.com", valid=False)]
        invalid = await one(make_settings(tmp_path, **base, SENDGRID_API_KEY=fake.api_key))
        assert not invalid.ok and "not valid" in invalid.detail

        fake.scopes = ["mail.send"]  # a Mail Send-only key: it sends, and cannot read domain authentication
        restricted = await one(make_settings(tmp_path, **base, SENDGRID_API_KEY=fake.api_key))
        assert restricted.ok and "cannot read domain authentication" in restricted.detail

        fake.scopes = ["whitelabel.read"]
        cannot_send = await one(make_settings(tmp_path, **base, SENDGRID_API_KEY=fake.api_key))
        assert not cannot_send.ok and "mail.send" in cannot_send.detail
    assert fake.sent == []
