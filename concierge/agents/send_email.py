"""Send email: the drafted email goes out exactly once, threaded to the conversation.

A permanent failure (the address or the request is refused) is recorded on the thread and
escalated with the provider's reason; transient failures were already retried by the sender.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, effect_key, log
from concierge.graph.waits.wait_for_reply import REPLY_OVERDUE
from concierge.privacy import mask_email
from concierge.tools.email import OutboundEmail, PermanentEmailFailure, new_message_id
from concierge.tools.email.addresses import reply_address

# Emails that wait for the customer's answer (a support answer closes the ticket instead).
ASKS_FOR_A_REPLY = {"offer", "clarify_phone", "which_phone", "confirm_by_email", "reminder"}


def conversation_ids(emails: list[dict], replies: list[dict], kept: list[dict] | None = None) -> list[str]:
    """Message-IDs in the order they were exchanged, the customer's emails that answered no wait
    included. By time when every message carries one; else each of our emails is followed by the
    reply that answered it."""
    theirs = [*replies, *(kept or [])]
    stamped: list[tuple[Any, Any]] = ([(e.get("sent_at"), e.get("message_id")) for e in emails]
                                      + [(r.get("received_at"), r.get("message_id")) for r in theirs])
    if all(at for at, _ in stamped):
        return [mid for _, mid in sorted(stamped, key=lambda s: s[0]) if mid]  # stable: ours first on a tie
    ids: list[str] = []
    for i, email in enumerate(emails):
        ids.append(email["message_id"])
        if i < len(replies) and replies[i].get("message_id"):
            ids.append(replies[i]["message_id"])
    return ids + [k["message_id"] for k in kept or [] if k.get("message_id")]


async def note_review(services, state: TicketState, email_key: str, record: dict) -> None:
    """The helpdesk learns who approved (or edited) an email held for review, with their note and the text sent."""
    reviewed = record["reviewed"]
    how = "edited and approved" if reviewed["action"] == "edit" else "approved"
    text = (f"The {record['kind']} email was {how} by {reviewed['by']} before sending"
            + (f": {reviewed['note']}" if reviewed.get("note") else ".") + f"\n\nSent:\n{record['subject']}\n\n{record['body']}")

    async def add_note(_: dict) -> str:
        return await services.helpdesk.add_note(state["ticket"]["id"], text, idempotency_key=f"{email_key}:review-note")

    await services.store.once(f"{email_key}:review-note", state["thread_id"], add_note,
                              retry_safe=getattr(services.helpdesk, "retry_safe", False))


async def send_email(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    settings = services.settings
    draft, ticket, thread_id = state["draft"], state["ticket"], state["thread_id"]
    assert draft is not None  # the graph comes here with a drafted email
    sent_before = state.get("emails") or []
    previous = conversation_ids(sent_before, state.get("replies") or [], state.get("kept_emails"))
    key = effect_key(state, "email", len(sent_before) + 1)

    async def deliver(intent: dict) -> dict:
        email = OutboundEmail(
            to=ticket["customer"]["email"], to_name=ticket["customer"]["name"],
            subject=draft["subject"], body=draft["body"],
            reply_to=reply_address(thread_id, settings.reply_domain, settings.signing_key),
            in_reply_to=previous[-1] if previous else None, references=previous,
            idempotency_key=key, message_id=intent["message_id"], drafted_by=draft.get("drafted_by"),
        )
        # Linked before the send, so a fast reply finds its thread even if this process stops right after.
        await services.store.link(f"email:{email.message_id}", thread_id)
        # The Message-ID as delivered, where the provider reports one of its own making.
        message_id = await services.email.send(email)
        result = {"message_id": message_id, "sent_at": datetime.now(UTC).isoformat(timespec="seconds")}
        # API providers keep their own id for the message; kept to find it in their logs and events.
        provider_id = getattr(services.email, "provider_ids", {}).pop(message_id, None)
        return {**result, "provider_id": provider_id} if provider_id else result

    try:
        result, ran = await services.store.once(
            key, thread_id, deliver, intent={"message_id": new_message_id(settings.email_from)},
            retry_safe=getattr(services.email, "retry_safe", False),
        )
    except PermanentEmailFailure as exc:
        reason = f"The {draft['kind']} email to {mask_email(ticket['customer']['email'])} could not be delivered: {exc.reason}"
        return {"draft": None, "stage": "escalating", "escalation": {"reasons": [reason], "source": "email"},
                "log": log("send_email", reason)}
    await services.store.link(f"email:{result['message_id']}", thread_id)
    if result.get("provider_id"):
        # Not a Message-ID (no reply quotes it): the provider's events about this email name it, and
        # bring the Message-ID it was delivered with (actions/email_events.py).
        await services.store.link(f"{getattr(services.email, 'provider', 'provider')}:{result['provider_id']}", thread_id)
    if draft["kind"] in ASKS_FOR_A_REPLY:  # a durable timer: a reminder, or NO_REPLY_POLICY, if nothing comes back
        sent_at = datetime.fromisoformat(result["sent_at"])
        await services.store.schedule(thread_id, REPLY_OVERDUE, {"message_id": result["message_id"]},
                                      at=sent_at + settings.reminder_after, key=f"{key}:reply_overdue")
    to = ticket["customer"]["email"]
    record = {"kind": draft["kind"], "to": to, "subject": draft["subject"], "body": draft["body"], **result,
              **({"by": draft["by"]} if draft.get("by") else {}),  # a person's own reply names them
              **({"drafted_by": draft["drafted_by"]} if draft.get("drafted_by") else {})}
    if draft.get("reviewed"):
        record["reviewed"] = draft["reviewed"]
        await note_review(services, state, key, record)
    return {
        "emails": [record],
        "draft": None,
        "stage": "email_sent",
        "log": log("send_email", f"{draft['kind']} email {'sent' if ran else 'already sent'} to {mask_email(to)}"),
    }
