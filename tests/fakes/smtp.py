"""A real SMTP server (aiosmtpd) on loopback that keeps every message it receives, with optional AUTH,
STARTTLS or implicit TLS (a certificate made by `self_signed_certificate`), and recipients it
refuses (550), so tests parse exactly what Concierge put on the wire."""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.processes import free_port


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None
    tls: bool  # whether the session was encrypted when the message came in


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
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login,
                                          server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.credentials is not None:
            if (auth_data.login.decode(), auth_data.password.decode()) == self.credentials:
                return AuthResult(success=True, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost and its key, written as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@contextmanager
def serve_fake_smtp(fake: FakeSmtp | None = None, *, tls: Literal["starttls", "implicit"] | None = None,
                    certificate: tuple[Path, Path] | None = None) -> Iterator[FakeSmtp]:
    """Serve `fake`; with `tls`, STARTTLS is offered and required (before AUTH and mail), or the whole
    connection is TLS from the first byte (`implicit`, as on port 465)."""
    fake = fake or FakeSmtp()
    fake.port = free_port()
    # aiosmtpd only counts STARTTLS as TLS for AUTH; an implicit-TLS connection is encrypted from the start.
    auth = {"authenticator": fake.authenticate, "auth_required": True, "auth_require_tls": tls == "starttls"} if fake.credentials else {}
    options: dict = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        options = {"tls_context": context, "require_starttls": True} if tls == "starttls" else {"ssl_context": context}
    controller = Controller(fake, hostname=fake.host, port=fake.port, **auth, **options)
    controller.start()
    try:
        yield fake
    finally:
        controller.stop()
