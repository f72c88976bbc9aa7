"""Inbound email from mail providers: `POST /api/v1/webhooks/email/{provider}`.

- `sendgrid`: SendGrid Inbound Parse (multipart form), authenticated by basic auth or `?token=`
  before the body is read, then streamed (up to SENDGRID_INBOUND_MAX_BYTES, attachments not kept).
- `resend`: Resend's svix-signed `email.received` event; the email itself is fetched by id. Its
  events about our sent emails (`email.sent`, `email.delivered`...) on the same URL bring the
  Message-ID each was delivered with, linked to its thread.
- `mime`: a raw RFC 822 message (`message/rfc822`), signed with `X-Concierge-Signature`.
- `sendgrid/events`: SendGrid's signed Event Webhook; its `smtp-id`s are linked like Resend's ids.

Each email is parsed into an `InboundEmail` and handled like the generic `/inbound_email` route.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from concierge.actions.email_events import link_delivered_ids
from concierge.actions.inbound_email import accept_inbound_email, keep_oversized_email
from concierge.actions.results import Accepted, EmailAutoReply, EmailBounced, EmailsDeliveredAs, EmailTooLarge, EmailUnmatched
from concierge.schemas import InboundEmail
from concierge.server.deps import RuntimeDep, VerifiersDep, authenticate, authenticate_before_body
from concierge.tools.email.errors import EmailDeliveryError
from concierge.tools.email.inbound.delivery_events import resend_outbound_event, sendgrid_events
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.resend import fetch_received_email, parse_resend_email, received_email_id
from concierge.tools.email.inbound.sendgrid import decode_fields, known_fields, parse_sendgrid_form
from concierge.tools.email.inbound.streamed_form import read_form
from concierge.tools.outbound import Policy

router = APIRouter()
Provider = Literal["sendgrid", "resend", "mime"]
VERIFIER = {"sendgrid": "sendgrid", "resend": "resend", "mime": "concierge"}
RFC822 = {"requestBody": {"required": True, "content": {
    "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "description": "SendGrid Inbound Parse fields"}},
    "application/json": {"schema": {"type": "object", "description": "Resend email.received event"}},
}}}


def _unprocessable(exc: Exception) -> HTTPException:
    if isinstance(exc, ValidationError):
        return HTTPException(422, [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors(include_url=False)])
    return HTTPException(422, str(exc))


def _json(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeError) as exc:
        raise _unprocessable(exc) from exc


async def _inbound(provider: Provider, runtime, raw: bytes) -> InboundEmail:
    try:
        if provider == "mime":
            return parse_mime(raw)
        event = _json(raw)
        email_id = received_email_id(event if isinstance(event, dict) else {})
    except (ValueError, ValidationError, UnicodeError) as exc:
        raise _unprocessable(exc) from exc
    settings = runtime.settings
    try:
        fetched = await fetch_received_email(settings.resend_base_url, settings.resend_api_key.get_secret_value(), email_id,
                                             policy=Policy.provider(settings))
    except EmailDeliveryError as exc:  # Resend did not hand the email over: answer 502 so it delivers the event again
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"could not fetch email {email_id} from Resend: {exc}") from exc
    try:
        return parse_resend_email(email_id, fetched)
    except (ValueError, ValidationError) as exc:
        raise _unprocessable(exc) from exc


async def _sendgrid(request: Request, runtime) -> Accepted | EmailUnmatched | EmailAutoReply | EmailBounced | EmailTooLarge:
    limit = runtime.settings.sendgrid_inbound_max_bytes
    try:
        form = await read_form(request.stream(), request.headers.get("content-type", ""), max_bytes=limit)
        if form.too_large:  # answered 2xx all the same: SendGrid would post the same size again and again
            known = known_fields(decode_fields(form.fields, form.field_types))
            return await keep_oversized_email(runtime, known, size=form.size, limit=limit, source="email:sendgrid")
        email = parse_sendgrid_form(form.fields, form.field_types)
    except (ValueError, ValidationError, UnicodeError) as exc:
        raise _unprocessable(exc) from exc
    return await accept_inbound_email(runtime, email, "email:sendgrid")


@router.post("/email/{provider}", status_code=status.HTTP_202_ACCEPTED, response_model=None, openapi_extra=RFC822)
async def provider_email(provider: Provider, request: Request, runtime: RuntimeDep, verifiers: VerifiersDep
                         ) -> Accepted | EmailUnmatched | EmailAutoReply | EmailBounced | EmailTooLarge | EmailsDeliveredAs:
    """A customer's email from a mail provider; an email no thread matches is kept and alerted (202, `matched: false`);
    one too large to read is kept as far as it is known and alerted (202, `too_large: true`). A Resend event
    about one of our sent emails links the Message-ID it was delivered with (202, `linked`)."""
    if VERIFIER[provider] not in verifiers or (provider == "resend" and not runtime.settings.resend_api_key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"inbound email from {provider} is not configured")
    if provider == "sendgrid":  # Inbound Parse signs nothing in the body: its credentials are in the URL or basic auth
        authenticate_before_body(request, VERIFIER[provider])
        return await _sendgrid(request, runtime)
    raw = await authenticate(request, runtime, VERIFIER[provider])
    if provider == "resend":
        event = _json(raw)
        try:
            sent = resend_outbound_event(event) if isinstance(event, dict) else None
        except ValueError as exc:
            raise _unprocessable(exc) from exc
        if sent is not None:
            return await link_delivered_ids(runtime, "resend", [sent])
    email = await _inbound(provider, runtime, raw)
    return await accept_inbound_email(runtime, email, f"email:{provider}")


@router.post("/email/sendgrid/events", response_model=EmailsDeliveredAs)
async def sendgrid_delivery_events(request: Request, runtime: RuntimeDep, verifiers: VerifiersDep) -> EmailsDeliveredAs:
    """SendGrid's signed Event Webhook: each event's `smtp-id` (the Message-ID as delivered) is linked
    to the thread of the email its `sg_message_id` names; events about other emails change nothing."""
    if "sendgrid_events" not in verifiers:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "SendGrid's Event Webhook is not configured (SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY)")
    raw = await authenticate(request, runtime, "sendgrid_events")
    try:
        sightings = sendgrid_events(_json(raw))
    except ValueError as exc:
        raise _unprocessable(exc) from exc
    return await link_delivered_ids(runtime, "sendgrid", sightings)
