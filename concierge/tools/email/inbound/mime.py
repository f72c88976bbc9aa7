"""A raw RFC 822 message (`message/rfc822`), as any mail server can forward it."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from concierge.schemas import InboundEmail
from concierge.tools.email.inbound.dsn import permanent_bounce, reported_message_id
from concierge.tools.email.inbound.headers import addresses, first_message_id, header_map, is_auto_reply, last_message_id, message_ids, one_line
from concierge.tools.email.inbound.reply_text import plain_text


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body((subtype,))
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset: keep what decodes
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)  # a body part is not multipart: it decodes to bytes
        return payload.decode("utf-8", errors="replace")


def inbound_from_message(message: EmailMessage, *, event_id: str | None = None) -> dict:
    """The fields of `InboundEmail` read from a parsed message (validated by the caller)."""
    headers = header_map(message)
    sender, subject = one_line(message.get("From")), one_line(message.get("Subject"))
    bounce = permanent_bounce(message)
    references = message_ids(message.get("References"))
    about = reported_message_id(message)
    if about:  # a delivery report names the email it is about: match on it
        references.append(about)
    return {
        "from": sender, "to": addresses(message.get("To"), message.get("Cc"), message.get("Delivered-To")),
        "subject": subject, "text": plain_text(_part(message, "plain"), _part(message, "html")),
        "message_id": first_message_id(message.get("Message-ID")),
        "in_reply_to": last_message_id(message.get("In-Reply-To")),
        "references": references, "event_id": event_id,
        "auto_reply": bool(bounce) or is_auto_reply(headers, sender, subject), "bounce": bounce.reason if bounce else None,
    }


def parse_mime(raw: bytes) -> InboundEmail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not message.get("From"):
        raise ValueError("not an RFC 822 message: no From header")
    for name in ("Message-ID", "In-Reply-To", "References"):
        value = message.get(name)
        if value is not None and any(c in str(value) for c in ("\u2028", "\u2029", "\x00")):
            raise ValueError(f"{name} contains a line separator")
    return InboundEmail.model_validate(inbound_from_message(message))
