"""Each helpdesk's own webhook, authenticated the way that helpdesk can (signature, or Zoho Desk's
token in the registered URL): the ticket ids are read from its payload and taken only if the
helpdesk (asked again) has them assigned to the AI. The answer follows what each sender does with it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from concierge.actions.assignments import take_assigned_ticket
from concierge.actions.errors import ActionError, Conflict, NotFound
from concierge.actions.results import Accepted
from concierge.server.deps import RuntimeDep, VerifiersDep, authenticate, status_of
from concierge.tools.helpdesk.webhooks import READERS, WebhookPayloadError, ticket_ids

router = APIRouter()

# A header naming one delivery, the same on every retry of it: a retry of a delivery already taken
# is acknowledged and not processed again (Jira re-sends one body for up to 30 minutes).
DELIVERY_ID = {"jira": "X-Atlassian-Webhook-Identifier"}
# Zoho Desk counts any answer but 200 as a failed delivery (and drops the webhook on a 410); Jira
# retries a 409. For them a ticket that is not (or no longer) the AI's is answered 200, the reason in
# `refused`: there is nothing to retry. The others get the refusal's own status.
ANSWER_200 = {"zoho"}
REFUSALS_ACKNOWLEDGED = {"zoho", "jira"}


class HelpdeskDelivery(BaseModel):
    """What one delivery started: tickets taken (or already taken) and tickets refused with the reason."""

    accepted: list[Accepted] = Field(default_factory=list)
    refused: dict[str, str] = Field(default_factory=dict)
    duplicate_delivery: bool = False  # a retry of a delivery already taken: nothing was done again


def _configured(helpdesk: str, runtime, verifiers) -> None:
    configured = runtime.services.helpdesk.name
    if helpdesk != configured or helpdesk not in verifiers or helpdesk not in READERS:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no webhook for helpdesk {helpdesk!r} (configured: {configured!r}, with its webhook secret set)")


@router.post("/crm/{helpdesk}", status_code=status.HTTP_202_ACCEPTED, response_model=HelpdeskDelivery,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}})
async def helpdesk_webhook(helpdesk: str, request: Request, response: Response, runtime: RuntimeDep,
                           verifiers: VerifiersDep) -> HelpdeskDelivery:
    _configured(helpdesk, runtime, verifiers)
    raw = await authenticate(request, runtime, helpdesk)
    try:
        ids = ticket_ids(helpdesk, raw)
    except WebhookPayloadError as exc:
        raise HTTPException(422, str(exc)) from exc
    store = runtime.services.store
    delivery_id = request.headers.get(DELIVERY_ID.get(helpdesk, ""), "")
    seen_key = f"webhook-delivery:{helpdesk}:{delivery_id}" if delivery_id else None
    if seen_key and await store.thread_for(seen_key):
        response.status_code = status.HTTP_200_OK
        return HelpdeskDelivery(duplicate_delivery=True)

    delivery = HelpdeskDelivery()
    errors: list[ActionError] = []
    for ticket_id in ids:
        try:
            delivery.accepted.append(await take_assigned_ticket(runtime, ticket_id))
        except ActionError as exc:
            delivery.refused[ticket_id] = str(exc)
            errors.append(exc)
    if seen_key and delivery.accepted:
        await store.claim(seen_key, delivery.accepted[0].thread_id)
    acknowledged = helpdesk in REFUSALS_ACKNOWLEDGED and all(isinstance(e, (Conflict, NotFound)) for e in errors)
    if errors and not delivery.accepted and not acknowledged:  # nothing taken: say why with the (first) refusal's status
        raise HTTPException(status_of(errors[0]), "; ".join(f"{k}: {v}" for k, v in delivery.refused.items()))
    if helpdesk in ANSWER_200 or not delivery.accepted:
        response.status_code = status.HTTP_200_OK
    return delivery


@router.get("/crm/{helpdesk}", include_in_schema=False)
async def helpdesk_webhook_check(helpdesk: str, request: Request, runtime: RuntimeDep, verifiers: VerifiersDep) -> dict:
    """A GET on Zoho's webhook URL (integrations check the address this way when a webhook is saved):
    200 for the right token, so the check does not fail on a 405."""
    if helpdesk != "zoho":
        raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, "POST only", headers={"Allow": "POST"})
    _configured(helpdesk, runtime, verifiers)
    await authenticate(request, runtime, helpdesk)
    return {"ok": True}
