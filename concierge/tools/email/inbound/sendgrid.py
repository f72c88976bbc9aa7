"""SendGrid Inbound Parse: a multipart form with `headers` (the raw header block), `text`, `html`,
`from`, `to`, `cc`, `subject`, `envelope`... or, in raw mode, the whole message in `email`."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Mapping

from concierge.server.schemas import InboundEmail
from concierge.tools.email.inbound import addresses, is_auto_reply, message_ids, one_line
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.reply_text import plain_text


def parse_sendgrid_form(form: Mapping[str, str]) -> InboundEmail:
    if form.get("email"):  # "POST the raw, full MIME message" mode
        return parse_mime(form["email"].encode("utf-8", errors="surrogateescape"))
    if not form.get("from"):
        raise ValueError("not an Inbound Parse post: no `from` field")
    head = email.message_from_string((form.get("headers") or "").strip() + "\n\n", policy=email.policy.default)
    headers = {name: str(value) for name, value in head.items()}
    sender, subject = one_line(form["from"]), one_line(form.get("subject") or head.get("Subject"))
    return InboundEmail.model_validate({
        "from": sender, "to": addresses(form.get("to"), form.get("cc")), "subject": subject,
        "text": plain_text(form.get("text"), form.get("html")),
        "message_id": (message_ids(head.get("Message-ID")) or [None])[0],
        "in_reply_to": (message_ids(head.get("In-Reply-To")) or [None])[-1],
        "references": message_ids(head.get("References")),
        "auto_reply": is_auto_reply(headers, sender, subject),
    })
