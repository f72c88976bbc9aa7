"""The embedded email backend: every message becomes an RFC 5322 `.eml` file in an outbox folder."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.render import domain_of, mime_message


class OutboxSender:
    # The file is named by the Message-ID, chosen once before the first attempt: sending again rewrites the same file.
    retry_safe = True

    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = folder
        self.sender = sender
        self.domain = domain_of(sender)

    def render(self, email: OutboundEmail) -> EmailMessage:
        return mime_message(email, self.sender)

    async def send(self, email: OutboundEmail) -> str:
        msg = self.render(email)
        name = msg["Message-ID"].strip("<>").split("@")[0]
        path = self.folder / f"{name}.eml"
        await asyncio.to_thread(self._write, path, bytes(msg))
        return msg["Message-ID"]

    def _write(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # a reader never sees half a message
