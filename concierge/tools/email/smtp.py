"""Email over SMTP (aiosmtplib): STARTTLS, implicit TLS or plain (local relays), with optional auth."""

from __future__ import annotations

import ssl
from typing import Literal

import aiosmtplib

from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.errors import PermanentEmailFailure, TransientEmailFailure, with_retries
from concierge.tools.email.render import mime_message
from concierge.tools.outbound import Policy, UnsafeURL, check_host

Security = Literal["starttls", "tls", "none"]


class SmtpSender:
    # SMTP has no idempotency key: a re-send after a crash could deliver twice, so a human decides.
    retry_safe = False

    def __init__(self, host: str, port: int, *, sender: str, security: Security = "starttls",
                 username: str | None = None, password: str | None = None, timeout_s: float = 30,
                 attempts: int = 4, max_wait_s: float = 30, tls_context: ssl.SSLContext | None = None,
                 policy: Policy = Policy(self_hosted=True)) -> None:
        self.host, self.port, self.sender, self.security = host, port, sender, security
        self.username, self.password, self.timeout_s = username, password, timeout_s
        self.attempts, self.max_wait_s = attempts, max_wait_s
        self.tls_context = tls_context
        self.policy = policy  # a relay may be local, never on a metadata or link-local address

    async def _send_once(self, message) -> None:
        try:
            await check_host(self.host, self.port, self.policy)
            errors, _ = await aiosmtplib.send(
                message, hostname=self.host, port=self.port, timeout=self.timeout_s,
                use_tls=self.security == "tls", start_tls=self.security == "starttls",
                username=self.username, password=self.password, tls_context=self.tls_context,
            )
        except UnsafeURL as exc:
            raise PermanentEmailFailure(f"SMTP_HOST refused: {exc}") from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentEmailFailure(f"recipient refused: {exc.recipients}") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise PermanentEmailFailure(f"SMTP authentication failed: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            # 4xx replies are "try again later" in SMTP; 5xx are final.
            failure = TransientEmailFailure if 400 <= exc.code < 500 else PermanentEmailFailure
            raise failure(f"SMTP {exc.code}: {exc.message}") from exc
        except aiosmtplib.SMTPTimeoutError:
            raise  # the server may have taken the message: not retried here, the effects ledger asks a person
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientEmailFailure(f"SMTP server unreachable: {exc!r}") from exc
        if errors:  # some recipients refused while others were accepted; we send to one, so it was refused
            raise PermanentEmailFailure(f"recipient refused: {errors}")

    async def send(self, email: OutboundEmail) -> str:
        message = mime_message(email, self.sender)
        await with_retries(lambda: self._send_once(message), attempts=self.attempts, max_wait_s=self.max_wait_s)
        return message["Message-ID"]
