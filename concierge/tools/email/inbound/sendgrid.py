"""SendGrid Inbound Parse: a multipart form with `headers` (the raw header block), `text`, `html`,
`from`, `to`, `cc`, `subject`, `envelope`, `charsets` (JSON: each field's charset)... or, in raw mode,
the whole message in `email`. Attachments come as files `attachment1..N`; they are not kept."""

from __future__ import annotations

import codecs
import email
import email.policy
import json
from collections.abc import Mapping
from email.message import EmailMessage, Message
from typing import Any

from concierge.schemas import InboundEmail
from concierge.tools.email.inbound.headers import addresses, first_message_id, is_auto_reply, last_message_id, message_ids, one_line
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.reply_text import plain_text


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None  # a charset Python does not know: read as UTF-8, with replacement characters


def decode_fields(fields: Mapping[str, bytes | str], field_types: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each field as text, in the charset `charsets` names for it (then the part's own charset, then
    UTF-8); bytes that are not in that charset become U+FFFD rather than refusing the customer's mail."""
    raw_charsets = fields.get("charsets") or "{}"
    try:
        charsets = json.loads(raw_charsets)
    except ValueError:
        charsets = {}
    charsets = charsets if isinstance(charsets, dict) else {}
    decoded: dict[str, str] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            decoded[name] = value
            continue
        part_charset = Message()
        part_charset["Content-Type"] = (field_types or {}).get(name, "text/plain")
        codec = _codec(charsets.get(name)) or _codec(part_charset.get_content_charset()) or "utf-8"
        decoded[name] = value.decode(codec, errors="replace")
    return decoded


def _head(fields: Mapping[str, str]) -> EmailMessage:
    return email.message_from_string((fields.get("headers") or "").strip() + "\n\n", policy=email.policy.default)


def parse_sendgrid_form(form: Mapping[str, bytes | str], field_types: Mapping[str, str] | None = None) -> InboundEmail:
    if form.get("email"):  # "POST the raw, full MIME message" mode: the message's own MIME says its charsets
        raw = form["email"]
        return parse_mime(raw if isinstance(raw, bytes) else raw.encode("utf-8", errors="surrogateescape"))
    fields = decode_fields(form, field_types)
    if not fields.get("from"):
        raise ValueError("not an Inbound Parse post: no `from` field")
    known = known_fields(fields)
    headers = {name: str(value) for name, value in _head(fields).items()}
    return InboundEmail.model_validate({
        **known, "text": plain_text(fields.get("text"), fields.get("html")),
        "auto_reply": is_auto_reply(headers, known["from"], known["subject"]),
    })


def known_fields(fields: Mapping[str, str]) -> dict[str, Any]:
    """Who wrote to whom, the subject and the threading ids: what can be read of a post even when
    its text was not (a post too large to take in)."""
    head = _head(fields)
    return {
        "from": one_line(fields.get("from")), "to": addresses(fields.get("to"), fields.get("cc")),
        "subject": one_line(fields.get("subject") or head.get("Subject")),
        "message_id": first_message_id(head.get("Message-ID")),
        "in_reply_to": last_message_id(head.get("In-Reply-To")),
        "references": message_ids(head.get("References")),
    }
