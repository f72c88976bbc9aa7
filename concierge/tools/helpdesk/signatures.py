"""How each helpdesk signs its webhooks, as `WebhookVerifier`s (with `sign` for tests and demos).

HubSpot v3: base64 HMAC-SHA256(client secret, method + full URL (a few characters URL-decoded) + body
+ timestamp ms), 5-minute window.
Zendesk: base64 HMAC-SHA256(signing secret, timestamp + body), ISO timestamp, window enforced here.
Jira: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, and nothing else: Jira re-sends the
same body (its own `timestamp` included) for up to 30 minutes, so a retry is recognised by its
`X-Atlassian-Webhook-Identifier` (the route), not refused for its age.
Zoho Desk: a webhook is registered with a URL only (no header, no signature), so the secret rides in
that URL as `?token=`; the current and the previous token are both accepted, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from concierge.tools.signing import InboundRequest, WebhookAuthError


def _b64_hmac(secret: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _within(age_s: float, tolerance_s: float) -> None:
    if abs(age_s) > tolerance_s:
        raise WebhookAuthError("signature timestamp is outside the allowed window")


# HubSpot's v3 instructions: these encoded characters are decoded in the URI before hashing (no others).
_HUBSPOT_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(",
                    "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}
_HUBSPOT_ENCODED = re.compile("|".join(_HUBSPOT_DECODED), re.IGNORECASE)


def hubspot_uri(url: str) -> str:
    """The URI as HubSpot hashes it for signature v3."""
    return _HUBSPOT_ENCODED.sub(lambda m: _HUBSPOT_DECODED[m.group().upper()], url)


class HubSpotSignature:
    SIGNATURE, TIMESTAMP = "X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"

    def __init__(self, client_secret: str, *, public_base_url: str | None = None, tolerance_s: float = 300,
                 clock: Callable[[], float] = time.time) -> None:
        self.secret = client_secret
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.tolerance_s = tolerance_s
        self.clock = clock

    def signed_url(self, url: str) -> str:
        """The URL HubSpot called: behind a proxy the app sees another host, so rebuild it from PUBLIC_BASE_URL."""
        if not self.public_base_url:
            return url
        parts = urlsplit(url)
        return self.public_base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def sign(self, method: str, url: str, body: bytes, timestamp_ms: int | None = None) -> dict[str, str]:
        t = str(int(self.clock() * 1000) if timestamp_ms is None else timestamp_ms)
        message = method.upper().encode() + hubspot_uri(url).encode() + body + t.encode()
        return {self.SIGNATURE: _b64_hmac(self.secret, message), self.TIMESTAMP: t}

    def verify(self, request: InboundRequest) -> None:
        signature, timestamp = request.headers.get(self.SIGNATURE), request.headers.get(self.TIMESTAMP)
        if not signature or not timestamp:
            raise WebhookAuthError(f"missing {self.SIGNATURE} or {self.TIMESTAMP} header")
        if not timestamp.isdigit():
            raise WebhookAuthError(f"malformed {self.TIMESTAMP} header (epoch milliseconds expected)")
        _within(self.clock() - int(timestamp) / 1000, self.tolerance_s)
        expected = self.sign(request.method, self.signed_url(request.url), request.body, int(timestamp))[self.SIGNATURE]
        if not hmac.compare_digest(signature, expected):
            raise WebhookAuthError("signature does not match")


class ZendeskSignature:
    SIGNATURE, TIMESTAMP = "X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"

    def __init__(self, secret: str, *, tolerance_s: float = 300, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.tolerance_s = tolerance_s
        self.clock = clock

    def sign(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        t = timestamp or datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {self.SIGNATURE: _b64_hmac(self.secret, t.encode() + body), self.TIMESTAMP: t}

    def verify(self, request: InboundRequest) -> None:
        signature, timestamp = request.headers.get(self.SIGNATURE), request.headers.get(self.TIMESTAMP)
        if not signature or not timestamp:
            raise WebhookAuthError(f"missing {self.SIGNATURE} or {self.TIMESTAMP} header")
        try:
            sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            raise WebhookAuthError(f"malformed {self.TIMESTAMP} header (ISO-8601 expected)") from None
        if sent.tzinfo is None:
            raise WebhookAuthError(f"malformed {self.TIMESTAMP} header (no time zone)")
        _within(self.clock() - sent.timestamp(), self.tolerance_s)
        if not hmac.compare_digest(signature, self.sign(request.body, timestamp)[self.SIGNATURE]):
            raise WebhookAuthError("signature does not match")


class JiraSignature:
    SIGNATURE = "X-Hub-Signature"

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def sign(self, body: bytes) -> dict[str, str]:
        return {self.SIGNATURE: "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()}

    def verify(self, request: InboundRequest) -> None:
        signature = request.headers.get(self.SIGNATURE)
        if not signature:
            raise WebhookAuthError(f"missing {self.SIGNATURE} header")
        if not hmac.compare_digest(signature, self.sign(request.body)[self.SIGNATURE]):
            raise WebhookAuthError("signature does not match")


class ZohoToken:
    PARAM = "token"

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = [t.encode() for t in tokens if t]
        if not self.tokens:
            raise ValueError("at least one Zoho webhook token is needed")

    def url(self, base: str) -> str:
        """The URL to register in Zoho Desk: `base` with the current (first) token."""
        return f"{base}{'&' if '?' in base else '?'}{self.PARAM}={self.tokens[0].decode()}"

    def verify(self, request: InboundRequest) -> None:
        sent = parse_qs(urlsplit(request.url).query).get(self.PARAM)
        if not sent:
            raise WebhookAuthError(f"missing {self.PARAM} in the webhook URL")
        # Every configured token is compared, so the time taken does not tell which one came close.
        matches = [hmac.compare_digest(sent[-1].encode(), token) for token in self.tokens]
        if len(sent) != 1 or not any(matches):
            raise WebhookAuthError("webhook token does not match")
