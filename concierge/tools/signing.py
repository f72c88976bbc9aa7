"""How webhooks are authenticated: the request a verifier sees, the error it raises, and Concierge's own
HMAC scheme, which signs the generic webhook routes and the booking records Concierge sends:

    X-Concierge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Requests older or newer than the tolerance are refused (replays); several `v1=` values and
several secrets are accepted, so a secret can be rotated without downtime. Each provider's own
scheme lives beside that provider (`helpdesk/signatures.py`, `voice/signatures.py`,
`email/inbound/auth.py`, `alerts/slack.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx


class WebhookAuthError(Exception):
    """The request is not from who it claims to be (unsigned, forged or stale)."""


@dataclass(frozen=True)
class InboundRequest:
    method: str
    url: str
    headers: Mapping[str, str]  # case-insensitive (Starlette's Headers)
    body: bytes


class WebhookVerifier(Protocol):
    def verify(self, request: InboundRequest) -> None:
        """Return when the request is authentic; raise `WebhookAuthError` with the reason otherwise."""


class HmacSignature:
    HEADER = "X-Concierge-Signature"

    def __init__(self, secrets: Sequence[str], *, tolerance_s: float = 300, clock: Callable[[], float] = time.time) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is needed")
        self.secrets = [s.encode() for s in secrets]
        self.tolerance_s = tolerance_s
        self.clock = clock

    @staticmethod
    def _mac(secret: bytes, timestamp: str, body: bytes) -> str:
        return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()

    def sign(self, body: bytes, timestamp: int | None = None) -> str:
        """The header value for `body`, signed with the current (first) secret."""
        t = str(int(self.clock()) if timestamp is None else timestamp)
        return f"t={t},v1={self._mac(self.secrets[0], t, body)}"

    def verify(self, request: InboundRequest) -> None:
        header = request.headers.get(self.HEADER)
        if not header:
            raise WebhookAuthError(f"missing {self.HEADER} header")
        timestamp, signatures = None, []
        for part in header.split(","):
            key, _, value = part.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value)
        if timestamp is None or not timestamp.isdigit() or not signatures:
            raise WebhookAuthError(f"malformed {self.HEADER} header (expected t=…,v1=…)")
        if abs(self.clock() - int(timestamp)) > self.tolerance_s:
            raise WebhookAuthError("signature timestamp is outside the allowed window")
        expected = [self._mac(secret, timestamp, request.body) for secret in self.secrets]
        if not any(hmac.compare_digest(sig, exp) for sig in signatures for exp in expected):
            raise WebhookAuthError("signature does not match")


class SignedWebhooks(httpx.Auth):
    """httpx auth that signs every request to Concierge's webhook routes (demo, CLI, tests)."""

    requires_request_body = True

    def __init__(self, signature: HmacSignature, path_prefix: str = "/api/v1/webhooks/") -> None:
        self.signature = signature
        self.path_prefix = path_prefix

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if request.url.path.startswith(self.path_prefix):
            request.headers[HmacSignature.HEADER] = self.signature.sign(request.content)
        yield request
