"""One email, two parts: the plain text the writer drafted and an HTML version rendered from a
Jinja2 template, with the headers that make replies thread (Message-ID, In-Reply-To, References)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from jinja2 import Environment, StrictUndefined

from concierge.tools.email.base import OutboundEmail

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

# The text part is not HTML: no escaping there.
TEXT = Environment(autoescape=False, undefined=StrictUndefined).from_string("{{ body }}\n")

# Paragraphs become <p>, single line breaks <br>; every piece of text is escaped (autoescape).
HTML = _env.from_string("""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Georgia, serif; font-size: 15px; line-height: 1.5; color: #222;">
{% for paragraph in paragraphs %}
<p>{% for line in paragraph %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</p>
{% endfor %}
</body></html>
""")


def text_part(email: OutboundEmail) -> str:
    return TEXT.render(body=email.body)


def html_part(email: OutboundEmail) -> str:
    paragraphs = [block.splitlines() for block in email.body.strip().split("\n\n") if block.strip()]
    return HTML.render(subject=email.subject, paragraphs=paragraphs)


def domain_of(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def message_headers(email: OutboundEmail) -> dict[str, str]:
    """Headers beyond From/To/Subject: threading (In-Reply-To, References) and what drafted it."""
    headers = {}
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = " ".join(email.references)
    if email.drafted_by:
        headers["X-Concierge-Drafted-By"] = email.drafted_by
    return headers


def mime_message(email: OutboundEmail, sender: str) -> EmailMessage:
    """The complete RFC 5322 message: multipart/alternative, plain text first (the fallback), then HTML."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((email.to_name, email.to)) if email.to_name else email.to
    msg["Subject"] = email.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = email.message_id
    if email.reply_to:
        msg["Reply-To"] = email.reply_to
    for name, value in message_headers(email).items():
        msg[name] = value
    msg.set_content(text_part(email))
    msg.add_alternative(html_part(email), subtype="html")
    return msg
