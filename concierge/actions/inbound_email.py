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
from typing import Any

from concierge.actions.results import Accepted, EmailAutoReply, EmailBounced, EmailTooLarge, EmailUnmatched
from concierge.privacy import mask_email
from concierge.runtime.process import AppRuntime
from concierge.schemas import InboundEmail
from concierge.tools.alerts import Alert
from concierge.tools.email.addresses import thread_from_reply_address
from concierge.tools.email.inbox import SetAsideEmails


def event_id_of(email: InboundEmail) -> str:
    """Deduplicate by the provider's own id; without one, a reply is kept even if its words repeat an earlier one."""
    return email.event_id or email.message_id or f"unidentified:{uuid.uuid4().hex}"


async def match_thread(runtime: AppRuntime, email: InboundEmail) -> tuple[str | None, str]:
    """The thread this email answers and how it was found; (None, why) when there is no single one."""
    return await match_addressed(runtime, to=email.to, in_reply_to=email.in_reply_to, references=email.references,
                                 sender=email.from_)


async def match_addressed(runtime: AppRuntime, *, to: list[str], in_reply_to: str | None, references: list[str],
                          sender: str) -> tuple[str | None, str]:
    """`match_thread` from the envelope alone (an email whose text could not be read)."""
    store = runtime.services.store
    for address in to:
        candidate = thread_from_reply_address(address, runtime.settings.signing_key)
        if candidate and await store.has_thread(candidate):
            return candidate, "reply address"
    # Every Message-ID our emails went out with is linked: the one we set and the one the provider reported delivering.
    thread_id = await store.thread_for(*(f"email:{m}" for m in [in_reply_to, *reversed(references)] if m))
    if thread_id is not None:
        return thread_id, "threading headers"
    sender = parseaddr(sender)[1]
    candidates = await store.open_threads_of(sender) if sender else []
    if len(candidates) == 1:
        return candidates[0], "sender's open ticket"
    if candidates:
        return None, f"ambiguous: {len(candidates)} open tickets of this sender ({', '.join(candidates)})"
    return None, "no thread matches the reply address, the threading headers or the sender"


async def accept_inbound_email(runtime: AppRuntime, email: InboundEmail,
                               source: str) -> Accepted | EmailUnmatched | EmailAutoReply | EmailBounced:
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
        return EmailUnmatched(event_id=event_id, reason=how)
    if email.auto_reply:
        # An out-of-office or a bounce is not the customer's answer: kept beside the thread, the thread still waits.
        await SetAsideEmails(runtime.settings.unmatched_emails_file).add(event_id, "bounce" if email.bounce else "auto-reply",
                                                                        kept, thread_id)
        if email.bounce:  # a permanent failure reported later: the thread waiting on that email escalates
            payload = {"type": "email_bounced", "reason": email.bounce, "message_id": email.references[-1] if email.references else None}
            queued = await runtime.queue.enqueue(source, event_id, "email_bounced", thread_id, payload)
            return EmailBounced(thread_id=thread_id, event_id=event_id, bounce=email.bounce, duplicate=not queued)
        return EmailAutoReply(thread_id=thread_id, event_id=event_id)
    payload = {
        "type": "email_reply", "from": email.from_, "subject": email.subject, "text": email.text,
        "message_id": email.message_id, "received_at": datetime.now(UTC).isoformat(timespec="seconds"), "matched_by": how,
    }
    queued = await runtime.queue.enqueue(source, event_id, "email_reply", thread_id, payload)
    return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)


async def _send(runtime: AppRuntime, alert: Alert) -> dict:
    await runtime.services.alerts.send(alert)
    return {"sent": True}


async def keep_oversized_email(runtime: AppRuntime, known: dict[str, Any], *, size: int, limit: int, source: str) -> EmailTooLarge:
    """An email too large to take in: what is known of it (sender, subject, threading ids) is kept with
    the inbound emails set aside, recorded as a failed event on its thread (or `unmatched`), noted on
    the ticket and alerted, and the provider is answered 2xx: sending it again would not make it smaller."""
    event_id = f"too-large:{known.get('message_id') or uuid.uuid4().hex}"
    thread_id, how = await match_addressed(runtime, to=known.get("to") or [], in_reply_to=known.get("in_reply_to"),
                                           references=known.get("references") or [], sender=known.get("from") or "")
    address = parseaddr(known.get("from") or "")[1]
    sender = mask_email(address) if address else "an unknown sender"
    reason = f"an email of {size:,} bytes from {sender} is larger than the {limit:,} bytes accepted; its text was not read"
    store = runtime.services.store
    await SetAsideEmails(runtime.settings.unmatched_emails_file).add(event_id, f"too large: {reason}", known, thread_id)
    if await store.record_event(source, event_id, "email_too_large", thread_id or "unmatched", {"type": "email_too_large", **known, "size": size}):
        await store.finish_event(source, event_id, error=reason)
    where = thread_id or "unmatched"
    if thread_id is not None:
        snapshot = await runtime.runner.snapshot(thread_id)
        ticket = (snapshot.values.get("ticket") if snapshot else None) or {}
        if ticket.get("id"):
            note = f"The customer's email {known.get('subject')!r} could not be read: {reason}. Ask them to send it again without large attachments."

            async def add_note(_: dict) -> str:
                return await runtime.services.helpdesk.add_note(ticket["id"], note, idempotency_key=f"{event_id}:note")

            await store.once(f"{event_id}:note", thread_id, add_note, retry_safe=getattr(runtime.services.helpdesk, "retry_safe", False))
    alert = Alert(kind="escalation", thread_id=where, title=f"Email too large from {sender}",
                  text=f"{known.get('subject')!r}: {reason} ({how}).", idempotency_key=f"email-too-large:{event_id}")
    await store.once(alert.idempotency_key, where, lambda _intent: _send(runtime, alert), retry_safe=True)
    return EmailTooLarge(matched=thread_id is not None, thread_id=thread_id, event_id=event_id, reason=reason)
