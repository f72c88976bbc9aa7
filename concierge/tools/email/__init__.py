"""Outbound email behind one interface; `build_email_sender` picks the configured backend."""

from __future__ import annotations

from concierge.settings import Settings
from concierge.tools.email.base import EmailSender, OutboundEmail, new_message_id


def build_email_sender(settings: Settings) -> EmailSender:
    if settings.email_backend == "outbox":
        from concierge.tools.email.outbox import OutboxSender

        return OutboxSender(settings.outbox_dir, sender=settings.email_from)
    raise ValueError(f"unknown EMAIL_BACKEND {settings.email_backend!r}")


__all__ = ["EmailSender", "OutboundEmail", "build_email_sender", "new_message_id"]
