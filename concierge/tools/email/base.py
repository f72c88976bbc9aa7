"""What Concierge needs to send an email."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Protocol

from pydantic import BaseModel, Field


class OutboundEmail(BaseModel):
    to: str
    to_name: str = ""
    subject: str
    body: str
    reply_to: str | None = None
    in_reply_to: str | None = None  # Message-ID of the message answered, for threading
    references: list[str] = Field(default_factory=list)
    idempotency_key: str
    # Chosen once, before the first attempt, and kept in the effects ledger: a repeated attempt
    # carries the same id, and nobody can compute it from the thread.
    message_id: str
    drafted_by: str | None = None  # "template", or the model that wrote it: an X-Concierge-Drafted-By header


def new_message_id(sender: str) -> str:
    """A fresh, unguessable Message-ID in the sender's domain."""
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return make_msgid(domain=domain)


class EmailSender(Protocol):
    # True when sending the same email again (same idempotency key and Message-ID) cannot deliver it twice.
    retry_safe: bool

    async def send(self, email: OutboundEmail) -> str:
        """Send and return the Message-ID."""
