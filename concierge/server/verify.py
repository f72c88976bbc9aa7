"""Webhook authentication: every inbound route names the verifier that must accept a request
before anything in it is read, recorded or acted on.

A provider plugs in by implementing `WebhookVerifier` and registering it under a name in
`build_verifiers`. Concierge's own scheme, `HmacSignature`, signs the generic routes:

    X-Concierge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Requests older or newer than the tolerance are refused (replays); several `v1=` values and
several secrets are accepted, so a secret can be rotated without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

from concierge.settings import Settings


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


class SlackSignature:
    """Slack's request signing (`X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:<ts>:" + body)>`,
    `X-Slack-Request-Timestamp`), checked by slack-sdk's `SignatureVerifier` (five-minute window)."""

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        from slack_sdk.signature import Clock, SignatureVerifier

        class _Clock(Clock):
            def now(self) -> float:
                return clock()

        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret, clock=_Clock())

    def verify(self, request: InboundRequest) -> None:
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not timestamp or not signature:
            raise WebhookAuthError("missing X-Slack-Signature or X-Slack-Request-Timestamp header")
        if not timestamp.isdigit():
            raise WebhookAuthError("malformed X-Slack-Request-Timestamp header")
        if abs(self.clock() - int(timestamp)) > 300:
            raise WebhookAuthError("signature timestamp is outside the allowed window")
        if not self.verifier.is_valid(request.body, timestamp, signature):
            raise WebhookAuthError("signature does not match")


def concierge_signature(settings: Settings) -> HmacSignature:
    return HmacSignature(settings.webhook_secrets, tolerance_s=settings.webhook_tolerance_s)


def build_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """Every webhook verifier this configuration needs, by the name routes refer to."""
    verifiers: dict[str, WebhookVerifier] = {"concierge": concierge_signature(settings)}
    verifiers.update(helpdesk_verifiers(settings))
    verifiers.update(voice_verifiers(settings))
    verifiers.update(email_verifiers(settings))
    if settings.slack_signing_secret:
        verifiers["slack"] = SlackSignature(settings.slack_signing_secret.get_secret_value())
    return verifiers


def email_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The inbound-email providers' own webhook authentication, when configured."""
    verifiers: dict[str, WebhookVerifier] = {}
    if settings.sendgrid_inbound_basic_auth or settings.sendgrid_inbound_token:
        from concierge.tools.email.inbound.auth import SendGridInboundAuth

        basic, token = settings.sendgrid_inbound_basic_auth, settings.sendgrid_inbound_token
        verifiers["sendgrid"] = SendGridInboundAuth(basic_auth=basic.get_secret_value() if basic else None,
                                                    token=token.get_secret_value() if token else None)
    if settings.resend_webhook_secret:
        from concierge.tools.email.inbound.auth import SvixSignature

        verifiers["resend"] = SvixSignature(settings.resend_webhook_secret.get_secret_value())
    return verifiers


def helpdesk_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The configured helpdesk's own webhook signature, when its secret is set."""
    from concierge.tools.crm import signatures

    tolerance = settings.webhook_tolerance_s
    if settings.helpdesk == "hubspot" and settings.hubspot_client_secret:
        return {"hubspot": signatures.HubSpotSignature(settings.hubspot_client_secret.get_secret_value(),
                                                       public_base_url=settings.public_base_url, tolerance_s=tolerance)}
    if settings.helpdesk == "zendesk" and settings.zendesk_webhook_secret:
        return {"zendesk": signatures.ZendeskSignature(settings.zendesk_webhook_secret.get_secret_value(), tolerance_s=tolerance)}
    if settings.helpdesk == "jira" and settings.jira_webhook_secret:
        return {"jira": signatures.JiraSignature(settings.jira_webhook_secret.get_secret_value(), tolerance_s=tolerance)}
    if settings.helpdesk == "zoho" and settings.zoho_webhook_token:
        return {"zoho": signatures.ZohoToken(settings.zoho_webhook_token.get_secret_value())}
    return {}


def voice_verifiers(settings: Settings) -> dict[str, WebhookVerifier]:
    """The voice providers' own webhook authentication, when their secrets are set."""
    from concierge.tools.voice.signatures import BlandSignature, VapiCredential

    verifiers: dict[str, WebhookVerifier] = {}
    if settings.vapi_webhook_secret:
        verifiers["vapi"] = VapiCredential(settings.vapi_webhook_secret.get_secret_value(), settings.vapi_webhook_header)
    if settings.bland_webhook_secret:
        verifiers["bland"] = BlandSignature(settings.bland_webhook_secret.get_secret_value())
    return verifiers
