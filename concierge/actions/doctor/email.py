"""Sending email: SMTP connects, says EHLO (STARTTLS or TLS as set) and logs in; Resend and SendGrid
accept the key and have the sending domain (EMAIL_FROM's) verified. Nothing is sent."""

from __future__ import annotations

import ssl
from email.utils import parseaddr
from typing import Any

import httpx

from concierge.actions.doctor.base import Check, answer, code_in, failure, offline, refused, unreachable
from concierge.actions.doctor.base import client as guarded
from concierge.settings import Settings
from concierge.tools.outbound import UnsafeURL

PAGES = 20  # of 100 domains each: more than any account holds
# A Resend domain's statuses (resend SDK: Domain.status), shown as they are; anything else is not.
RESEND_STATUSES = {"not_started", "pending", "verified", "failed", "temporary_failure"}


async def check_email(settings: Settings) -> list[Check]:
    match settings.email_backend:
        case "outbox":
            return [offline("email (outbox)", f"offline: emails are written to {settings.outbox_dir}")]
        case "smtp":
            return [await check_smtp(settings)]
        case "resend":
            return [await check_resend(settings)]
        case "sendgrid":
            return [await check_sendgrid(settings)]
    return [Check("email", False, f"unknown EMAIL_BACKEND {settings.email_backend!r}", "EMAIL_BACKEND=outbox, smtp, resend or sendgrid")]


def sending_domain(settings: Settings) -> str:
    return parseaddr(settings.email_from)[1].rpartition("@")[2].lower()


def _covers(domain: str, verified: str) -> bool:
    """A verified domain covers itself and its subdomains' addresses."""
    verified = verified.lower()
    return domain == verified or domain.endswith("." + verified)


async def check_smtp(settings: Settings) -> Check:
    import aiosmtplib

    part = "email (smtp)"
    host, port = settings.smtp_host, settings.smtp_port
    if not host:
        return Check(part, False, "SMTP_HOST is not set", "set SMTP_HOST (and SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME/SMTP_PASSWORD)")
    if settings.smtp_username and not settings.smtp_password:
        return Check(part, False, "SMTP_USERNAME is set but SMTP_PASSWORD is not", "set SMTP_PASSWORD")
    if (bad := await refused(part, settings, "SMTP_HOST")) is not None:
        return bad
    smtp = aiosmtplib.SMTP(hostname=host, port=port, timeout=10, use_tls=settings.smtp_security == "tls",
                           start_tls=settings.smtp_security == "starttls")
    where = f"{host}:{port}"
    try:
        await smtp.connect()  # with STARTTLS: EHLO, STARTTLS, EHLO again
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()
        if settings.smtp_username and settings.smtp_password:  # a username without a password was refused above
            await smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except aiosmtplib.SMTPAuthenticationError as exc:
        return Check(part, False, f"{where} refused the login ({exc.code})", "check SMTP_USERNAME and SMTP_PASSWORD")
    except aiosmtplib.SMTPNotSupported:
        return Check(part, False, f"{where} offers no AUTH or STARTTLS on this connection",
                     "set SMTP_SECURITY to what the server speaks: starttls (587), tls (465) or none (a local relay)")
    except (ssl.SSLError, aiosmtplib.SMTPConnectResponseError) as exc:
        return Check(part, False, f"{where}: TLS or greeting failed ({failure(exc)})",
                     "set SMTP_SECURITY to what the port speaks: starttls on 587, tls on 465")
    except aiosmtplib.SMTPResponseException as exc:
        return Check(part, False, f"{where} answered {exc.code}", "check SMTP_SECURITY and the server's settings")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Check(part, False, f"{where} unreachable: {failure(exc)}",
                     "check SMTP_HOST and SMTP_PORT (587 with SMTP_SECURITY=starttls, 465 with tls)")
    finally:
        smtp.close()
    login = f"logged in as {settings.smtp_username}" if settings.smtp_username else "no login configured"
    return Check(part, True, f"{where} answered EHLO ({settings.smtp_security}); {login}")


async def check_resend(settings: Settings) -> Check:
    part = "email (resend)"
    if not settings.resend_api_key:
        return Check(part, False, "RESEND_API_KEY is not set", "create an API key at resend.com/api-keys (re_...)")
    if (bad := await refused(part, settings, "RESEND_BASE_URL")) is not None:
        return bad
    domain, after = sending_domain(settings), None
    found: list[Any] = []  # the API's JSON objects
    headers = {"Authorization": f"Bearer {settings.resend_api_key.get_secret_value()}"}
    try:
        async with guarded(settings, "RESEND_BASE_URL", base_url=settings.resend_base_url.rstrip("/"), headers=headers) as http:
            for _ in range(PAGES):  # GET /domains, cursor-paged (limit, after)
                r = await http.get("/domains", params={"limit": 100, **({"after": after} if after else {})})
                if r.status_code != 200:
                    break
                body = r.json()
                found += body.get("data") or []
                if not body.get("has_more") or not found:
                    break
                after = found[-1].get("id")
    except UnsafeURL as exc:
        return Check(part, False, f"RESEND_BASE_URL refused: {exc}", "use https://api.resend.com")
    except (httpx.HTTPError, ValueError) as exc:
        return unreachable(part, "RESEND_BASE_URL", exc)
    if r.status_code == 401 and code_in(r, "name") == "restricted_api_key":
        # A sending-only key (the right kind for Concierge) may not read domains.
        return Check(part, True, f"key accepted (sending access only: {domain}'s verification is not readable with it)")
    if r.status_code != 200:
        return Check(part, False, f"RESEND_API_KEY: {answer(r, 'name')}", "create a new API key at resend.com/api-keys")
    return _verified(part, domain, [(d.get("name", ""), d.get("status") == "verified",
                                     d.get("status") if d.get("status") in RESEND_STATUSES else "not verified") for d in found],
                     "resend.com/domains")


async def check_sendgrid(settings: Settings) -> Check:
    part = "email (sendgrid)"
    if not settings.sendgrid_api_key:
        return Check(part, False, "SENDGRID_API_KEY is not set", "create an API key with Mail Send access (SG....)")
    if (bad := await refused(part, settings, "SENDGRID_BASE_URL")) is not None:
        return bad
    domain = sending_domain(settings)
    headers = {"Authorization": f"Bearer {settings.sendgrid_api_key.get_secret_value()}"}
    try:
        async with guarded(settings, "SENDGRID_BASE_URL", base_url=settings.sendgrid_base_url.rstrip("/"), headers=headers) as http:
            r = await http.get("/v3/scopes")
            scopes = set((r.json() or {}).get("scopes") or []) if r.status_code == 200 else set()
            if r.status_code != 200:
                return Check(part, False, f"SENDGRID_API_KEY: {answer(r)}", "create a new API key with Mail Send access")
            if "mail.send" not in scopes:
                return Check(part, False, "the key lacks the mail.send scope", "give the key Mail Send access (Settings > API Keys)")
            if "whitelabel.read" not in scopes:
                return Check(part, True, f"key can send (it cannot read domain authentication, so {domain} is not checked)")
            found: list[Any] = []  # the API's JSON objects
            offset = 0
            for _ in range(PAGES):  # GET /v3/whitelabel/domains, offset-paged
                page = await http.get("/v3/whitelabel/domains", params={"limit": 100, "offset": offset})
                if page.status_code != 200:
                    return Check(part, False, f"domain authentication: {answer(page)}", "give the key read access to Sender Authentication")
                batch = page.json() or []
                found += batch
                if len(batch) < 100:
                    break
                offset += 100
    except UnsafeURL as exc:
        return Check(part, False, f"SENDGRID_BASE_URL refused: {exc}", "use https://api.sendgrid.com (or api.eu.sendgrid.com)")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return unreachable(part, "SENDGRID_BASE_URL", exc)
    return _verified(part, domain, [(d.get("domain", ""), d.get("valid") is True, "valid" if d.get("valid") else "not valid")
                                    for d in found], "Settings > Sender Authentication")


def _verified(part: str, domain: str, domains: list[tuple[str, bool, str]], where: str) -> Check:
    """Whether EMAIL_FROM's domain is among the provider's verified domains."""
    mine = [(name, ok, status) for name, ok, status in domains if name and _covers(domain, name)]
    if any(ok for _, ok, _ in mine):
        return Check(part, True, f"key accepted; {domain} is verified")
    if mine:
        name, _, status = mine[0]
        return Check(part, False, f"{name} is {status}", f"publish the DNS records {where} lists and verify it")
    return Check(part, False, f"EMAIL_FROM's domain {domain} is not set up", f"add {domain} in {where} and verify it, or change EMAIL_FROM")
