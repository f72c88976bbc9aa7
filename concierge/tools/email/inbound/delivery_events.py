"""Mail providers' events about emails Concierge sent, read for one thing: the Message-ID the email
was delivered with, next to the provider's own id for it (which send_email linked to the thread).

- Resend: every outbound event (`email.sent`, `email.delivered`, `email.bounced`...) carries
  `data.email_id` and `data.message_id` (the `resend` SDK's `BaseEmailEventData`).
- SendGrid Event Webhook: a JSON array of events, each with `sg_message_id` (the send's X-Message-Id,
  then a dot and SendGrid's suffix) and, on delivery events, `smtp-id`, the Message-ID SendGrid
  handed on. Without an authenticated sending domain SendGrid keeps ours in the email and reports an
  id of its own here; linking both loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from concierge.tools.email.inbound.headers import message_ids

RESEND_OUTBOUND = {"email.sent", "email.scheduled", "email.delivered", "email.delivery_delayed", "email.bounced",
                   "email.complained", "email.opened", "email.clicked", "email.failed", "email.suppressed"}


@dataclass(frozen=True)
class DeliveredAs:
    provider_ids: tuple[str, ...]  # the provider's id for the send, as send_email may have linked it
    message_id: str | None  # the Message-ID as delivered, when the event tells it


def resend_outbound_event(event: dict[str, Any]) -> DeliveredAs | None:
    """The delivered Message-ID of a Resend event about a sent email; None for any other event."""
    if event.get("type") not in RESEND_OUTBOUND:
        return None
    data = event.get("data")
    data = data if isinstance(data, dict) else {}
    email_id = data.get("email_id")
    if not isinstance(email_id, str) or not email_id:
        raise ValueError(f"{event['type']} event without data.email_id")
    ids = message_ids(data.get("message_id")) if isinstance(data.get("message_id"), str) else []
    return DeliveredAs((email_id,), ids[0] if ids else None)


def sendgrid_events(body: Any) -> list[DeliveredAs]:
    """The sightings in one Event Webhook post; `ValueError` when it is not an array of events."""
    if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
        raise ValueError("an Event Webhook post is a JSON array of event objects")
    seen: list[DeliveredAs] = []
    for event in body:
        sg_id, smtp_id = event.get("sg_message_id"), event.get("smtp-id")
        ids = message_ids(smtp_id) if isinstance(smtp_id, str) else []
        if not isinstance(sg_id, str) or not sg_id or not ids:
            continue  # engagement events and the like name no delivered Message-ID
        parts = sg_id.split(".")
        # The X-Message-Id is a prefix of sg_message_id, up to one of its dots.
        seen.append(DeliveredAs(tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1)), ids[0]))
    return seen
