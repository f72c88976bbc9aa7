"""Email through Resend's HTTP API (`POST /emails`), deduplicated by its `Idempotency-Key` header.

Resend sends through SES, which can give the email a Message-ID of its own: after the send the email
is read back (`GET /emails/{id}`, whose `message_id` is the header as delivered), and that id is the
one the customer's reply will quote. Resend's webhook events carry it too (see docs/email.md)."""

from __future__ import annotations

import logging

import httpx

from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.errors import post_json, with_retries
from concierge.tools.email.inbound.headers import message_ids
from concierge.tools.email.render import html_part, message_headers, text_part
from concierge.tools.outbound import Policy, guarded_client

RESEND_API = "https://api.resend.com"
logger = logging.getLogger(__name__)


class ResendSender:
    # Resend deduplicates by Idempotency-Key, so sending again after a crash cannot deliver twice.
    retry_safe = True
    provider = "resend"

    def __init__(self, api_key: str, *, sender: str, base_url: str = RESEND_API, timeout_s: float = 30,
                 attempts: int = 4, max_wait_s: float = 30, policy: Policy = Policy()) -> None:
        self.api_key, self.sender, self.base_url = api_key, sender, base_url.rstrip("/")
        self.timeout_s, self.attempts, self.max_wait_s = timeout_s, attempts, max_wait_s
        self.policy = policy  # where the key may go (see tools/outbound.py)
        self.provider_ids: dict[str, str] = {}  # Message-ID as delivered -> Resend's email id, for its events

    def body(self, email: OutboundEmail) -> dict:
        body = {
            "from": self.sender, "to": [email.to], "subject": email.subject,
            "text": text_part(email), "html": html_part(email),
            # Ours, linked to the thread before the send; the one delivered may differ (read back in send).
            "headers": {"Message-ID": email.message_id, **message_headers(email)},
        }
        if email.reply_to:
            body["reply_to"] = [email.reply_to]
        return body

    async def send(self, email: OutboundEmail) -> str:
        body = self.body(email)
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": email.idempotency_key}
        async with guarded_client(self.policy, base_url=self.base_url, timeout=self.timeout_s) as client:
            response = await with_retries(lambda: post_json(client, "Resend", "/emails", json=body, headers=headers),
                                          attempts=self.attempts, max_wait_s=self.max_wait_s)
            email_id = response.json().get("id", "")
            message_id = await self.delivered_message_id(client, email_id) or body["headers"]["Message-ID"]
        self.provider_ids[message_id] = email_id
        return message_id

    async def delivered_message_id(self, client: httpx.AsyncClient, email_id: str) -> str | None:
        """The Message-ID Resend reports for the sent email; None when it cannot tell yet. The email is
        sent either way: a later `email.sent`/`email.delivered` event still brings the id."""
        if not email_id:
            return None
        try:
            response = await client.get(f"/emails/{email_id}", headers={"Authorization": f"Bearer {self.api_key}"})
            reported = response.json().get("message_id") if response.is_success else None
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            logger.info("could not read back Resend email %s: %r", email_id, exc)
            return None
        ids = message_ids(reported) if isinstance(reported, str) else []
        return ids[0] if ids else None
