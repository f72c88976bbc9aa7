"""What Concierge needs to send an email."""

from __future__ import annotations

import hashlib
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

    def message_id(self, domain: str) -> str:
        """Stable Message-ID: the same email sent twice carries the same id."""
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:24]
        return f"<{digest}@{domain}>"


class EmailSender(Protocol):
    async def send(self, email: OutboundEmail) -> str:
        """Send and return the Message-ID."""
