"""Email through Resend's HTTP API (`POST /emails`), deduplicated by its `Idempotency-Key` header."""

from __future__ import annotations

import httpx

from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.errors import with_retries, post_json
from concierge.tools.email.render import html_part, text_part, threading_headers

RESEND_API = "https://api.resend.com"


class ResendSender:
    # Resend deduplicates by Idempotency-Key, so sending again after a crash cannot deliver twice.
    retry_safe = True

    def __init__(self, api_key: str, *, sender: str, base_url: str = RESEND_API, timeout_s: float = 30,
                 attempts: int = 4, max_wait_s: float = 30) -> None:
        self.api_key, self.sender, self.base_url = api_key, sender, base_url.rstrip("/")
        self.timeout_s, self.attempts, self.max_wait_s = timeout_s, attempts, max_wait_s
        self.provider_ids: dict[str, str] = {}  # our Message-ID -> Resend's email id, for correlation

    def body(self, email: OutboundEmail) -> dict:
        body = {
            "from": self.sender, "to": [email.to], "subject": email.subject,
            "text": text_part(email), "html": html_part(email),
            # Resend keeps a custom Message-ID header, so replies thread on our own id.
            "headers": {"Message-ID": email.message_id, **threading_headers(email)},
        }
        if email.reply_to:
            body["reply_to"] = [email.reply_to]
        return body

    async def send(self, email: OutboundEmail) -> str:
        body = self.body(email)
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": email.idempotency_key}
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout_s) as client:
            response = await with_retries(lambda: post_json(client, "Resend", "/emails", json=body, headers=headers),
                                          attempts=self.attempts, max_wait_s=self.max_wait_s)
        message_id = body["headers"]["Message-ID"]
        self.provider_ids[message_id] = response.json().get("id", "")
        return message_id
