"""Inbound email from mail providers: `POST /api/v1/webhooks/email/{provider}`.

- `sendgrid`: SendGrid Inbound Parse (multipart form), authenticated by basic auth or `?token=`.
- `resend`: Resend's svix-signed `email.received` event; the email itself is fetched by id.
- `mime`: a raw RFC 822 message (`message/rfc822`), signed with `X-Concierge-Signature`.

Each is parsed into an `InboundEmail` and handled like the generic `/inbound_email` route.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from concierge.server.deps import RuntimeDep, authenticate
from concierge.server.inbound_email import accept_inbound_email
from concierge.server.schemas import Accepted, InboundEmail
from concierge.tools.email.errors import EmailDeliveryError
from concierge.tools.email.inbound.mime import parse_mime
from concierge.tools.email.inbound.resend import fetch_received_email, parse_resend_email, received_email_id
from concierge.tools.email.inbound.sendgrid import parse_sendgrid_form

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


async def _inbound(provider: Provider, request: Request, runtime, raw: bytes) -> InboundEmail:
    try:
        match provider:
            case "mime":
                return parse_mime(raw)
            case "sendgrid":
                form: FormData = await request.form()  # reads the body already authenticated and capped
                return parse_sendgrid_form({k: v for k, v in form.items() if isinstance(v, str)})
            case "resend":
                event = json.loads(raw)
                email_id = received_email_id(event if isinstance(event, dict) else {})
    except (ValueError, ValidationError, UnicodeError) as exc:
        raise _unprocessable(exc) from exc
    settings = runtime.settings
    try:
        fetched = await fetch_received_email(settings.resend_base_url, settings.resend_api_key.get_secret_value(), email_id)
    except EmailDeliveryError as exc:  # Resend did not hand the email over: answer 502 so it delivers the event again
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"could not fetch email {email_id} from Resend: {exc}") from exc
    try:
        return parse_resend_email(email_id, fetched)
    except (ValueError, ValidationError) as exc:
        raise _unprocessable(exc) from exc


@router.post("/email/{provider}", status_code=status.HTTP_202_ACCEPTED, response_model=None, openapi_extra=RFC822)
async def provider_email(provider: Provider, request: Request, runtime: RuntimeDep) -> Accepted | JSONResponse:
    """A customer's email from a mail provider; an email no thread matches is kept and alerted (202, `matched: false`)."""
    if VERIFIER[provider] not in runtime.verifiers or (provider == "resend" and not runtime.settings.resend_api_key):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"inbound email from {provider} is not configured")
    raw = await authenticate(request, runtime, VERIFIER[provider])
    email = await _inbound(provider, request, runtime, raw)
    return await accept_inbound_email(runtime, email, f"email:{provider}")
