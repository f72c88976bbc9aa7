"""What every inbound-email route does once it has an `InboundEmail`: find its thread and queue it
as the customer's reply, or keep it aside and alert a person — never drop it.

Matching, most trustworthy first: the keyed reply address (`reply+<thread>.<token>@`), then the
threading headers (In-Reply-To, References) against the Message-IDs we sent, then the sender's
address when exactly one open thread belongs to that customer.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email.utils import parseaddr

from fastapi import status
from fastapi.responses import JSONResponse

from concierge.privacy import mask_email
from concierge.server.runtime import AppRuntime
from concierge.server.schemas import Accepted, InboundEmail
from concierge.tools.alerts import Alert
from concierge.tools.email.addresses import thread_from_reply_address
from concierge.tools.email.inbox import SetAsideEmails


def event_id_of(email: InboundEmail) -> str:
    """Deduplicate by the provider's own id; without one, a reply is kept even if its words repeat an earlier one."""
    return email.event_id or email.message_id or f"unidentified:{uuid.uuid4().hex}"


async def match_thread(runtime: AppRuntime, email: InboundEmail) -> tuple[str | None, str]:
    """The thread this email answers and how it was found; (None, why) when there is no single one."""
    store = runtime.services.store
    for address in email.to:
        candidate = thread_from_reply_address(address, runtime.settings.signing_key)
        if candidate and await store.has_thread(candidate):
            return candidate, "reply address"
    thread_id = await store.thread_for(*(f"email:{m}" for m in [email.in_reply_to, *reversed(email.references)] if m))
    if thread_id is not None:
        return thread_id, "threading headers"
    sender = parseaddr(email.from_)[1]
    candidates = await store.open_threads_of(sender) if sender else []
    if len(candidates) == 1:
        return candidates[0], "sender's open ticket"
    if candidates:
        return None, f"ambiguous: {len(candidates)} open tickets of this sender ({', '.join(candidates)})"
    return None, "no thread matches the reply address, the threading headers or the sender"


async def accept_inbound_email(runtime: AppRuntime, email: InboundEmail, source: str) -> Accepted | JSONResponse:
    event_id = event_id_of(email)
    thread_id, how = await match_thread(runtime, email)
    kept = {"from": email.from_, "to": email.to, "subject": email.subject, "text": email.text,
            "message_id": email.message_id, "in_reply_to": email.in_reply_to, "references": email.references}
    if thread_id is None:
        inbox = SetAsideEmails(runtime.settings.unmatched_emails_file)
        if await inbox.add(event_id, how, kept):
            alert = Alert(kind="escalation", thread_id="unmatched", title=f"Unmatched email from {mask_email(parseaddr(email.from_)[1])}",
                          text=f"{email.subject!r}: {how}. Kept in {runtime.settings.unmatched_emails_file.name}.",
                          idempotency_key=f"unmatched-email:{event_id}")
            await runtime.services.store.once(alert.idempotency_key, "unmatched", lambda _intent: _send(runtime, alert), retry_safe=True)
        return JSONResponse({"matched": False, "event_id": event_id, "reason": how}, status_code=status.HTTP_202_ACCEPTED)
    if email.auto_reply:
        # An out-of-office or a bounce is not the customer's answer: kept beside the thread, the thread still waits.
        await SetAsideEmails(runtime.settings.unmatched_emails_file).add(event_id, "bounce" if email.bounce else "auto-reply",
                                                                        kept, thread_id)
        if email.bounce:  # a permanent failure reported later: the thread waiting on that email escalates
            payload = {"type": "email_bounced", "reason": email.bounce, "message_id": email.references[-1] if email.references else None}
            queued = await runtime.queue.enqueue(source, event_id, "email_bounced", thread_id, payload)
            return JSONResponse({"matched": True, "thread_id": thread_id, "event_id": event_id, "bounce": email.bounce,
                                 "duplicate": not queued}, status_code=status.HTTP_202_ACCEPTED)
        return JSONResponse({"matched": True, "thread_id": thread_id, "event_id": event_id, "ignored": "auto-reply"},
                            status_code=status.HTTP_202_ACCEPTED)
    payload = {
        "type": "email_reply", "from": email.from_, "subject": email.subject, "text": email.text,
        "message_id": email.message_id, "received_at": datetime.now(UTC).isoformat(timespec="seconds"), "matched_by": how,
    }
    queued = await runtime.queue.enqueue(source, event_id, "email_reply", thread_id, payload)
    return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)


async def _send(runtime: AppRuntime, alert: Alert) -> dict:
    await runtime.services.alerts.send(alert)
    return {"sent": True}
