"""Concierge's own webhooks, signed with `X-Concierge-Signature`: a ticket assigned to the AI, a
customer email, a call report. Provider-specific routes sit beside this module."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse

from concierge.actions.assignments import take_assigned_ticket
from concierge.actions.call_reports import queue_call_report
from concierge.actions.inbound_email import accept_inbound_email
from concierge.actions.results import Accepted, EmailAutoReply, EmailBounced, EmailUnmatched
from concierge.schemas import InboundEmail
from concierge.server.deps import RuntimeDep, json_body, parse_json, signed_body
from concierge.server.schemas import CallCompleted, TicketAssigned
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


@router.post("/inbound_email", status_code=status.HTTP_202_ACCEPTED, response_model=None, openapi_extra=json_body(InboundEmail))
async def inbound_email(runtime: RuntimeDep, raw: bytes = SIGNED) -> Accepted | EmailUnmatched | EmailAutoReply | EmailBounced:
    """A customer's email as JSON; an email no thread matches is kept and alerted (202, `matched: false`)."""
    return await accept_inbound_email(runtime, parse_json(InboundEmail, raw), "email")


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
