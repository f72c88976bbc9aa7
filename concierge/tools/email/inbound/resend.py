"""Resend inbound: a svix-signed `email.received` event carries no body; the email is fetched by id
(`GET /emails/receiving/{id}`)."""

from __future__ import annotations

from typing import Any

import httpx

from concierge.schemas import InboundEmail
from concierge.tools.email.errors import PermanentEmailFailure, TransientEmailFailure, failure_from_response, with_retries
from concierge.tools.email.inbound.headers import addresses, first_message_id, is_auto_reply, last_message_id, message_ids, one_line
from concierge.tools.email.inbound.reply_text import plain_text
from concierge.tools.outbound import Policy, UnsafeURL, guarded_client


def received_email_id(event: dict[str, Any]) -> str:
    if event.get("type") != "email.received":
        raise ValueError(f"not an email.received event: {event.get('type')!r}")
    email_id = (event.get("data") or {}).get("email_id")
    if not isinstance(email_id, str) or not email_id:
        raise ValueError("email.received event without data.email_id")
    return email_id


async def fetch_received_email(base_url: str, api_key: str, email_id: str, *, policy: Policy, attempts: int = 3,
                               max_wait_s: float = 5) -> dict[str, Any]:
    """The received email from Resend's API. The key goes only where the outbound-URL policy allows
    (`concierge/tools/outbound.py`), as for every provider call."""
    async def once() -> dict[str, Any]:
        async with guarded_client(policy, base_url=base_url, timeout=30) as client:
            try:
                response = await client.get(f"/emails/receiving/{email_id}", headers={"Authorization": f"Bearer {api_key}"})
            except UnsafeURL as exc:
                raise PermanentEmailFailure(f"RESEND_BASE_URL refused: {exc}") from exc
            except httpx.TransportError as exc:
                raise TransientEmailFailure(f"Resend unreachable: {exc!r}") from exc
        if not response.is_success:
            raise failure_from_response("Resend", response)
        return response.json()

    return await with_retries(once, attempts=attempts, max_wait_s=max_wait_s)


def parse_resend_email(email_id: str, fetched: dict[str, Any]) -> InboundEmail:
    headers = {k: str(v) for k, v in (fetched.get("headers") or {}).items()}
    lower = {k.lower(): v for k, v in headers.items()}
    sender, subject = one_line(fetched.get("from")), one_line(fetched.get("subject"))
    to = fetched.get("to") or []
    return InboundEmail.model_validate({
        "from": sender, "to": addresses(*(to if isinstance(to, list) else [to]), *(fetched.get("cc") or [])),
        "subject": subject, "text": plain_text(fetched.get("text"), fetched.get("html")),
        "message_id": fetched.get("message_id") or first_message_id(lower.get("message-id")),
        "in_reply_to": last_message_id(lower.get("in-reply-to")),
        "references": message_ids(lower.get("references")), "event_id": f"resend:{email_id}",
        "auto_reply": is_auto_reply(headers, sender, subject),
    })
