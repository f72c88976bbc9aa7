"""Who may post inbound email: SendGrid Inbound Parse (basic auth or a secret token in the URL),
SendGrid's Event Webhook (ECDSA-signed) and Resend (svix-signed webhooks)."""

from __future__ import annotations

import base64
import hmac
import time
from urllib.parse import parse_qs, urlsplit

from svix.webhooks import Webhook, WebhookVerificationError

from concierge.tools.signing import InboundRequest, WebhookAuthError


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


class SendGridEventSignature:
    """SendGrid's Signed Event Webhook: ECDSA P-256 / SHA-256 over `timestamp + raw body`, the base64
    DER signature in `X-Twilio-Email-Event-Webhook-Signature`, checked with the `sendgrid` SDK's
    `EventWebhook` against the verification key from Mail Settings; older than the window is refused."""

    SIGNATURE, TIMESTAMP = "x-twilio-email-event-webhook-signature", "x-twilio-email-event-webhook-timestamp"

    def __init__(self, public_key: str, *, tolerance_s: int = 300) -> None:
        from sendgrid.helpers.eventwebhook import EventWebhook

        try:
            self.webhook = EventWebhook(public_key.strip())
        except ValueError as exc:
            raise ValueError("SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY is not the base64 key SendGrid shows for the signed Event Webhook") from exc
        self.tolerance_s = tolerance_s

    def verify(self, request: InboundRequest) -> None:
        signature, timestamp = request.headers.get(self.SIGNATURE, ""), request.headers.get(self.TIMESTAMP, "")
        if not signature or not timestamp.isdigit():
            raise WebhookAuthError("missing X-Twilio-Email-Event-Webhook-Signature or -Timestamp header")
        if abs(time.time() - int(timestamp)) > self.tolerance_s:
            raise WebhookAuthError("event webhook timestamp outside the tolerance window")
        try:
            valid = self.webhook.verify_signature(request.body.decode("utf-8"), signature, timestamp)
        except (ValueError, UnicodeDecodeError) as exc:  # binascii.Error (bad base64) is a ValueError
            raise WebhookAuthError(f"event webhook signature unreadable: {exc}") from exc
        if not valid:
            raise WebhookAuthError("event webhook signature does not match")
