"""Email through SendGrid's v3 Mail Send API (`POST /v3/mail/send`).

SendGrid answers with `X-Message-Id`, its own id for the send, not the Message-ID the customer sees
(which may be ours or one SendGrid wrote). The Event Webhook reports the delivered one as `smtp-id`
beside an `sg_message_id` that starts with the X-Message-Id: the route for it links the two."""

from __future__ import annotations

from email.utils import parseaddr

from concierge.tools.email.base import OutboundEmail
from concierge.tools.email.errors import post_json, with_retries
from concierge.tools.email.render import html_part, message_headers, text_part
from concierge.tools.outbound import Policy, guarded_client

SENDGRID_API = "https://api.sendgrid.com"


class SendGridSender:
    # SendGrid has no idempotency key on mail send: a re-send after a crash could deliver twice.
    retry_safe = False
    provider = "sendgrid"

    def __init__(self, api_key: str, *, sender: str, base_url: str = SENDGRID_API, timeout_s: float = 30,
                 attempts: int = 4, max_wait_s: float = 30, policy: Policy = Policy()) -> None:
        self.api_key, self.sender, self.base_url = api_key, sender, base_url.rstrip("/")
        self.timeout_s, self.attempts, self.max_wait_s = timeout_s, attempts, max_wait_s
        self.policy = policy  # where the key may go (see tools/outbound.py)
        self.provider_ids: dict[str, str] = {}  # our Message-ID -> SendGrid's X-Message-Id, to read its events by

    def body(self, email: OutboundEmail) -> dict:
        name, address = parseaddr(self.sender)
        to = {"email": email.to, **({"name": email.to_name} if email.to_name else {})}
        body = {
            "personalizations": [{"to": [to], "subject": email.subject}],
            "from": {"email": address, **({"name": name} if name else {})},
            # text/plain must precede text/html.
            "content": [{"type": "text/plain", "value": text_part(email)}, {"type": "text/html", "value": html_part(email)}],
            "headers": {"Message-ID": email.message_id, **message_headers(email)},
            "custom_args": {"idempotency_key": email.idempotency_key},
        }
        if email.reply_to:
            body["reply_to"] = {"email": email.reply_to}
        return body

    async def send(self, email: OutboundEmail) -> str:
        body = self.body(email)
        headers = {"Authorization": f"Bearer {self.api_key}"}
        async with guarded_client(self.policy, base_url=self.base_url, timeout=self.timeout_s) as client:
            response = await with_retries(lambda: post_json(client, "SendGrid", "/v3/mail/send", json=body, headers=headers, retry_timeouts=False),
                                          attempts=self.attempts, max_wait_s=self.max_wait_s)
        message_id = body["headers"]["Message-ID"]
        self.provider_ids[message_id] = response.headers.get("x-message-id", "")
        return message_id
