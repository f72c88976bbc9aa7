"""Delivery status notifications (RFC 3464): a mail server reporting, after it accepted our email,
that it could not deliver it. Only a permanent failure (`Action: failed`, status 5.x.x) matters here;
delays and temporary failures are left to the server's own retries."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message

from concierge.tools.email.inbound.headers import first_message_id, one_line


@dataclass(frozen=True)
class Bounce:
    reason: str  # "5.1.1 <a@b>: user unknown" — status and the server's words


def _status_fields(report: Message) -> list[Message]:
    """The per-recipient blocks of a message/delivery-status part."""
    payload = report.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _original_id(message: EmailMessage) -> str | None:
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                return first_message_id(inner.get("Message-ID"))
        if kind == "text/rfc822-headers":
            for line in part.get_content().splitlines():
                if line.lower().startswith("message-id:"):
                    return first_message_id(line)
    return None


def is_delivery_report(message: EmailMessage) -> bool:
    if message.get_content_type() != "multipart/report":
        return False
    report_type = message.get_param("report-type", "")
    # An RFC 2231-encoded parameter comes back as a (charset, language, value) tuple.
    return isinstance(report_type, str) and report_type.lower() == "delivery-status"


def reported_message_id(message: EmailMessage) -> str | None:
    """The Message-ID of our email a delivery report is about (to find its thread), if it quotes it."""
    return _original_id(message) if is_delivery_report(message) else None


def permanent_bounce(message: EmailMessage) -> Bounce | None:
    """The permanent failure a DSN reports, or None (not a DSN, or only a delay / temporary failure)."""
    if not is_delivery_report(message):
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_fields(part):
            action, status = one_line(block.get("Action")).lower(), one_line(block.get("Status"))
            if action == "failed" and status.startswith("5"):
                recipient = one_line(block.get("Final-Recipient") or block.get("Original-Recipient")).split(";")[-1].strip()
                diagnostic = one_line(block.get("Diagnostic-Code")).split(";", 1)[-1].strip()
                reason = " ".join(x for x in (status, f"<{recipient}>:" if recipient else "", diagnostic or "permanent failure") if x)
                return Bounce(reason=reason[:500])
    return None
