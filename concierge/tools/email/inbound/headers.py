"""What every inbound parser reads the same way: threading and auto-reply headers, from a parsed
message or a provider's header block."""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.message import Message
from email.utils import getaddresses, parseaddr

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@]|$)", re.I)
_AUTO_SUBJECT = re.compile(r"^(auto(matic)?[ -]?reply|out of (the )?office|abwesenheitsnotiz|réponse automatique|"
                           r"respuesta automática|resposta automática|delivery status notification|undeliver(ed|able)|"
                           r"mail delivery (failed|failure))", re.I)


def message_ids(value: str | None) -> list[str]:
    """Every `<id>` in a header value (References holds several; clients add stray text and whitespace)."""
    return _MESSAGE_ID.findall(value or "")


def first_message_id(value: str | None) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def last_message_id(value: str | None) -> str | None:
    ids = message_ids(value)
    return ids[-1] if ids else None


def one_line(value: str | None) -> str:
    """A folded header value unfolded (folding whitespace is not part of the value)."""
    return " ".join((value or "").split())


def is_auto_reply(headers: Mapping[str, str], sender: str, subject: str) -> bool:
    """Out-of-office answers, bounces and other machine mail (RFC 3834 and the de-facto headers)."""
    lowered = {k.lower(): (v or "").strip().lower() for k, v in headers.items()}
    if lowered.get("auto-submitted", "no") not in ("", "no"):
        return True
    if "x-autoreply" in lowered or "x-autorespond" in lowered:
        return True
    if lowered.get("precedence") in ("bulk", "auto_reply", "junk"):
        return True
    if lowered.get("content-type", "").startswith("multipart/report"):
        return True  # delivery status notifications
    return bool(_BOUNCE_SENDERS.match(parseaddr(sender)[1]) or _AUTO_SUBJECT.match(subject.strip()))


def header_map(message: Message) -> dict[str, str]:
    return {name: str(value) for name, value in message.items()}


def addresses(*values: str | None) -> list[str]:
    return [address for _, address in getaddresses([v for v in values if v]) if address]
