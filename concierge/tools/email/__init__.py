"""Outbound email behind one interface; `build_email_sender` picks the configured backend."""

from __future__ import annotations

from typing import Any

from concierge.settings import Settings
from concierge.tools.email.base import EmailSender, OutboundEmail, new_message_id
from concierge.tools.email.errors import PermanentEmailFailure
from concierge.tools.outbound import Policy


def build_email_sender(settings: Settings) -> EmailSender:
    retries: dict[str, Any] = {"attempts": settings.email_send_attempts, "max_wait_s": settings.email_retry_max_wait_s}
    match settings.email_backend:
        case "outbox":
            from concierge.tools.email.outbox import OutboxSender

            return OutboxSender(settings.outbox_dir, sender=settings.email_from)
        case "smtp":
            from concierge.tools.email.smtp import SmtpSender

            if not settings.smtp_host:
                raise ValueError("EMAIL_BACKEND=smtp needs SMTP_HOST (and SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME/SMTP_PASSWORD)")
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
            return SmtpSender(settings.smtp_host, settings.smtp_port, sender=settings.email_from,
                              security=settings.smtp_security, username=settings.smtp_username, password=password,
                              policy=Policy.own(settings), **retries)
        case "resend":
            from concierge.tools.email.resend import ResendSender

            if not settings.resend_api_key:
                raise ValueError("EMAIL_BACKEND=resend needs RESEND_API_KEY (re_...)")
            return ResendSender(settings.resend_api_key.get_secret_value(), sender=settings.email_from,
                                base_url=settings.resend_base_url, policy=Policy.provider(settings), **retries)
        case "sendgrid":
            from concierge.tools.email.sendgrid import SendGridSender

            if not settings.sendgrid_api_key:
                raise ValueError("EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY (SG....)")
            return SendGridSender(settings.sendgrid_api_key.get_secret_value(), sender=settings.email_from,
                                  base_url=settings.sendgrid_base_url, policy=Policy.provider(settings), **retries)
    raise ValueError(f"unknown EMAIL_BACKEND {settings.email_backend!r}")


__all__ = ["EmailSender", "OutboundEmail", "PermanentEmailFailure", "build_email_sender", "new_message_id"]
