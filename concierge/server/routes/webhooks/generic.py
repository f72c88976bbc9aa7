"""Concierge's own webhooks, signed with `X-Concierge-Signature`: a ticket assigned to the AI, a
customer email, a call report. Provider-specific routes sit beside this module."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse

from concierge.server.deps import RuntimeDep, json_body, parse_json, signed_body
from concierge.server.schemas import Accepted, CallCompleted, InboundEmail, TicketAssigned
from concierge.server.assignments import take_assigned_ticket
from concierge.server.routes.webhooks.voice import queue_call_report
from concierge.tools.email.addresses import thread_from_reply_address
from concierge.tools.voice.reports import NotACallReport, parse_call_report

logger = logging.getLogger(__name__)
router = APIRouter()
SIGNED = signed_body("concierge")


@router.post("/ticket_assigned", status_code=status.HTTP_202_ACCEPTED, openapi_extra=json_body(TicketAssigned))
async def ticket_assigned(runtime: RuntimeDep, raw: bytes = SIGNED) -> Accepted:
    body = parse_json(TicketAssigned, raw)
    services = runtime.services
    if body.helpdesk != services.helpdesk.name:
        raise HTTPException(422, f"helpdesk {body.helpdesk!r} is not the configured one ({services.helpdesk.name!r})")
    return await take_assigned_ticket(runtime, body.ticket_id, body.event_id)


@router.post("/inbound_email", status_code=status.HTTP_202_ACCEPTED, openapi_extra=json_body(InboundEmail))
async def inbound_email(runtime: RuntimeDep, raw: bytes = SIGNED) -> Accepted:
    email = parse_json(InboundEmail, raw)
    store = runtime.services.store
    # Threading headers first; the per-thread reply address when a mail client dropped them.
    thread_id = await store.thread_for(*(f"email:{m}" for m in [email.in_reply_to, *reversed(email.references)] if m))
    if thread_id is None:
        for candidate in (thread_from_reply_address(a, runtime.settings.signing_key) for a in email.to):
            if candidate and await store.has_thread(candidate):
                thread_id = candidate
                break
    if thread_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no thread matches this email (In-Reply-To, References or reply address)")
    # Deduplicate by the provider's own id; without one, a reply is kept even if its words repeat an earlier one.
    event_id = email.event_id or email.message_id or f"unidentified:{uuid.uuid4().hex}"
    payload = {
        "type": "email_reply", "from": email.from_, "subject": email.subject, "text": email.text,
        "message_id": email.message_id, "received_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    queued = await runtime.queue.enqueue("email", event_id, "email_reply", thread_id, payload)
    return Accepted(thread_id=thread_id, event_id=event_id, duplicate=not queued)


@router.post("/call_completed", status_code=status.HTTP_202_ACCEPTED, response_model=None, openapi_extra=json_body(CallCompleted))
async def call_completed(runtime: RuntimeDep, raw: bytes = SIGNED) -> Accepted | JSONResponse:
    body = parse_json(CallCompleted, raw).root
    message = body.get("message")
    if isinstance(message, dict) and message.get("type") != "end-of-call-report":
        return JSONResponse({"ignored": message.get("type")})  # Vapi sends status updates to the same URL: 200, nothing queued
    try:
        report = parse_call_report(body)
    except NotACallReport as exc:
        raise HTTPException(422, str(exc)) from exc
    return await queue_call_report(runtime, report)
