"""How voice providers prove their webhooks: Vapi's credential header, Bland's body signature."""

from __future__ import annotations

import hashlib
import hmac
import json

from concierge.tools.signing import InboundRequest, WebhookAuthError


class VapiCredential:
    """Vapi sends the credential it was given on every server message: `X-Vapi-Secret: <token>`
    (the legacy server secret) or `Authorization: Bearer <token>`."""

    def __init__(self, secret: str, header: str = "X-Vapi-Secret") -> None:
        if not secret:
            raise ValueError("the Vapi webhook secret is empty")
        self.header = header
        self.expected = (f"Bearer {secret}" if header.lower() == "authorization" else secret).encode()

    def verify(self, request: InboundRequest) -> None:
        value = request.headers.get(self.header)
        if not value:
            raise WebhookAuthError(f"missing {self.header} header")
        if not hmac.compare_digest(value.strip().encode(), self.expected):
            raise WebhookAuthError(f"{self.header} does not match")


class BlandSignature:
    """`X-Webhook-Signature`: hex HMAC-SHA256 of the body with the signing secret. Bland's own example
    signs the re-serialized JSON, so a compact re-serialization is accepted when the raw body fails."""

    HEADER = "X-Webhook-Signature"

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the Bland webhook signing secret is empty")
        self.secret = secret.encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def verify(self, request: InboundRequest) -> None:
        signature = (request.headers.get(self.HEADER) or "").strip().lower()
        if not signature:
            raise WebhookAuthError(f"missing {self.HEADER} header")
        candidates = [request.body]
        try:
            candidates.append(json.dumps(json.loads(request.body), separators=(",", ":"), ensure_ascii=False).encode())
        except ValueError:
            pass
        if not any(hmac.compare_digest(signature, self.sign(body)) for body in candidates):
            raise WebhookAuthError("signature does not match")
