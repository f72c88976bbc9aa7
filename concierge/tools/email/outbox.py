"""The embedded email backend: every message becomes an RFC 5322 `.eml` file in an outbox folder."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from concierge.tools.email.base import OutboundEmail


class OutboxSender:
    retry_safe = True  # the file is named by the Message-ID: sending again rewrites the same file

    def __init__(self, folder: Path, *, sender: str) -> None:
        self.folder = folder
        self.sender = sender
        self.domain = parseaddr(sender)[1].split("@")[-1] or "localhost"

    def render(self, email: OutboundEmail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = formataddr((email.to_name, email.to)) if email.to_name else email.to
        msg["Subject"] = email.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = email.message_id
        if email.reply_to:
            msg["Reply-To"] = email.reply_to
        if email.in_reply_to:
            msg["In-Reply-To"] = email.in_reply_to
        if email.references:
            msg["References"] = " ".join(email.references)
        msg.set_content(email.body)
        return msg

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
