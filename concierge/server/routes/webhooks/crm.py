"""Each helpdesk's own "ticket assigned" webhook, verified the way that helpdesk signs: the ticket ids
are read from its payload and taken only if the helpdesk (asked again) has them assigned to the AI."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from concierge.server.assignments import take_assigned_ticket
from concierge.server.deps import RuntimeDep, authenticate
from concierge.server.schemas import Accepted

router = APIRouter()


class HelpdeskDelivery(BaseModel):
    """What one delivery started: tickets taken (or already taken) and tickets refused with the reason."""

    accepted: list[Accepted] = Field(default_factory=list)
    refused: dict[str, str] = Field(default_factory=dict)


def _hubspot(payload: Any) -> list[str]:
    # A JSON array of events; ticket events carry the ticket id as `objectId`.
    events = payload if isinstance(payload, list) else [payload]
    return [str(e["objectId"]) for e in events
            if isinstance(e, dict) and str(e.get("subscriptionType", "")).startswith("ticket.") and e.get("objectId")]


def _zendesk(payload: Any) -> list[str]:
    # An event-subscribed webhook (`detail.id`, `subject` "zen:ticket:<id>") or a trigger's own JSON (`ticket_id`).
    if not isinstance(payload, dict):
        return []
    if payload.get("ticket_id"):
        return [str(payload["ticket_id"])]
    if isinstance(payload.get("detail"), dict) and payload["detail"].get("id"):
        return [str(payload["detail"]["id"])]
    subject = str(payload.get("subject", ""))
    return [subject.removeprefix("zen:ticket:")] if subject.startswith("zen:ticket:") else []


def _jira(payload: Any) -> list[str]:
    issue = payload.get("issue") if isinstance(payload, dict) else None
    return [str(issue["key"])] if isinstance(issue, dict) and issue.get("key") else []


def _zoho(payload: Any) -> list[str]:
    # A list of events, each with the ticket as `payload`.
    events = payload if isinstance(payload, list) else [payload]
    return [str(e["payload"]["id"]) for e in events
            if isinstance(e, dict) and isinstance(e.get("payload"), dict) and e["payload"].get("id")]


TICKET_IDS = {"hubspot": _hubspot, "zendesk": _zendesk, "jira": _jira, "zoho": _zoho}


@router.post("/crm/{helpdesk}", status_code=status.HTTP_202_ACCEPTED, response_model=HelpdeskDelivery,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}})
async def helpdesk_webhook(helpdesk: str, request: Request, runtime: RuntimeDep) -> HelpdeskDelivery:
    configured = runtime.services.helpdesk.name
    if helpdesk != configured or helpdesk not in runtime.verifiers or helpdesk not in TICKET_IDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no webhook for helpdesk {helpdesk!r} (configured: {configured!r}, with its webhook secret set)")
    raw = await authenticate(request, runtime, helpdesk)
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise HTTPException(422, f"body is not JSON: {exc}") from exc
    ticket_ids = list(dict.fromkeys(TICKET_IDS[helpdesk](payload)))
    if not ticket_ids:
        raise HTTPException(422, f"no ticket id found in this {helpdesk} webhook")
    delivery = HelpdeskDelivery()
    errors: list[HTTPException] = []
    for ticket_id in ticket_ids:
        try:
            delivery.accepted.append(await take_assigned_ticket(runtime, ticket_id))
        except HTTPException as exc:
            delivery.refused[ticket_id] = str(exc.detail)
            errors.append(exc)
    if not delivery.accepted:  # nothing taken: say why with the status of the (first) refusal
        raise HTTPException(errors[0].status_code, "; ".join(f"{k}: {v}" for k, v in delivery.refused.items()))
    return delivery
