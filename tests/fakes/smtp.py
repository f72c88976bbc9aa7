"""A real SMTP server (aiosmtpd) on loopback that keeps every message it receives, with optional AUTH
and recipients it refuses (550), so tests parse exactly what Concierge put on the wire."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.processes import free_port


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class FakeSmtp:
    credentials: tuple[str, str] | None = None  # (user, password) required when set
    refused: set[str] = field(default_factory=set)  # recipients answered with 550
    received: list[ReceivedMail] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.credentials is not None:
            if (auth_data.login.decode(), auth_data.password.decode()) == self.credentials:
                return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)


@contextmanager
def serve_fake_smtp(fake: FakeSmtp | None = None) -> Iterator[FakeSmtp]:
    fake = fake or FakeSmtp()
    fake.port = free_port()
    auth = {"authenticator": fake.authenticate, "auth_require_tls": False, "auth_required": True} if fake.credentials else {}
    controller = Controller(fake, hostname=fake.host, port=fake.port, **auth)
    controller.start()
    try:
        yield fake
    finally:
        controller.stop()
