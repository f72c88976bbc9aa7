"""Who may post inbound email: SendGrid Inbound Parse (basic auth or a secret token in the URL) and
Resend (svix-signed webhooks)."""

from __future__ import annotations

import base64
import hmac
from urllib.parse import parse_qs, urlsplit

from svix.webhooks import Webhook, WebhookVerificationError

from concierge.server.verify import InboundRequest, WebhookAuthError


class SendGridInboundAuth:
    """Inbound Parse has no signature of its own: the Parse URL carries basic auth
    (`https://user:password@host/...`) or a secret `?token=`; either configured one must match."""

    def __init__(self, *, basic_auth: str | None = None, token: str | None = None) -> None:
        if not (basic_auth or token):
            raise ValueError("SendGrid inbound needs SENDGRID_INBOUND_BASIC_AUTH or SENDGRID_INBOUND_TOKEN")
        self.basic = f"Basic {base64.b64encode(basic_auth.encode()).decode()}" if basic_auth else None
        self.token = token

    def verify(self, request: InboundRequest) -> None:
        if self.basic and hmac.compare_digest(request.headers.get("authorization", "").encode(), self.basic.encode()):
            return
        tokens = parse_qs(urlsplit(request.url).query).get("token", [])
        if self.token and any(hmac.compare_digest(t.encode(), self.token.encode()) for t in tokens):
            return
        raise WebhookAuthError("missing or wrong Inbound Parse credentials (basic auth or ?token=)")


class SvixSignature:
    """Resend signs its webhooks with svix: `svix-id`, `svix-timestamp`, `svix-signature` (5 minute window)."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)

    def verify(self, request: InboundRequest) -> None:
        headers = {k: request.headers.get(k, "") for k in ("svix-id", "svix-timestamp", "svix-signature")}
        if not all(headers.values()):
            raise WebhookAuthError("missing svix-id, svix-timestamp or svix-signature header")
        try:
            self.webhook.verify(request.body, headers)
        except WebhookVerificationError as exc:
            raise WebhookAuthError(f"svix signature: {exc}") from exc
