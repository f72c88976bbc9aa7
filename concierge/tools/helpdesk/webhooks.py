"""What each helpdesk's webhook delivery says: the ticket ids it names, read from the payload that
helpdesk really sends. A delivery about something else (another object type, a contact, a deleted
ticket) names no ticket and is acknowledged with nothing done; a body that is not that helpdesk's
shape at all raises `WebhookPayloadError`.

The models read only the fields used here and let the rest through: a sender adds fields over time,
and a receiver that refused them would lose deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError


class WebhookPayloadError(ValueError):
    """The body is not what this helpdesk's webhook sends."""


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- HubSpot ---------------------------------------------------------------------------------------
# https://developers.hubspot.com/docs/api/webhooks (legacy `ticket.*` subscription types) and
# https://developers.hubspot.com/changelog/public-beta-generic-webhook-subscriptions (`object.*`, with
# the object's type as `objectTypeId`): a JSON array of events.
HUBSPOT_TICKET_TYPE = "0-5"
HUBSPOT_ACTIONS = {"creation", "propertyChange", "restore"}  # what can make a ticket the AI's


class HubSpotEvent(_Event):
    subscriptionType: str
    objectId: int | None = None
    objectTypeId: str | None = None


def _hubspot(payload: Any) -> list[str]:
    events = TypeAdapter(list[HubSpotEvent]).validate_python(payload)
    ids = []
    for event in events:
        scope, _, action = event.subscriptionType.partition(".")
        ticket = scope == "ticket" or (scope == "object" and event.objectTypeId == HUBSPOT_TICKET_TYPE)
        if ticket and action in HUBSPOT_ACTIONS and event.objectId:
            ids.append(str(event.objectId))
    return ids


# --- Zendesk ---------------------------------------------------------------------------------------
# A trigger's or automation's own JSON (the admin writes it; the setup asks for `ticket_id`), or an
# event-subscribed webhook: https://developer.zendesk.com/api-reference/webhooks/event-types/webhook-event-types/
class ZendeskPayload(_Event):
    ticket_id: str | int | None = None
    type: str | None = None
    subject: str | None = None
    detail: dict[str, Any] | None = None


def _zendesk(payload: Any) -> list[str]:
    body = ZendeskPayload.model_validate(payload)
    if body.ticket_id:
        return [str(body.ticket_id)]
    if body.subject and body.subject.startswith("zen:ticket:"):
        return [body.subject.removeprefix("zen:ticket:")]
    if (body.type or "").startswith("zen:event-type:ticket.") and body.detail and body.detail.get("id"):
        return [str(body.detail["id"])]
    if body.type and body.type.startswith("zen:event-type:"):
        return []  # an event about something else (a user, an organisation)
    raise WebhookPayloadError("no ticket_id in this Zendesk webhook (the trigger's JSON body should carry it)")


# --- Jira ------------------------------------------------------------------------------------------
# https://developer.atlassian.com/cloud/jira/platform/webhooks/ : one event per delivery, the issue
# (when the event is about one) as `issue`.
class JiraEvent(_Event):
    webhookEvent: str
    issue: dict[str, Any] | None = None


def _jira(payload: Any) -> list[str]:
    event = JiraEvent.model_validate(payload)
    key = (event.issue or {}).get("key")
    return [str(key)] if key else []


# --- Zoho Desk -------------------------------------------------------------------------------------
# https://desk.zoho.com/support/WebhookDocument.do : a JSON array of events, each with the ticket as
# `payload` (and, when asked for, its former state as `prevState`).
ZOHO_TICKET_EVENTS = {"Ticket_Add", "Ticket_Update"}


class ZohoEvent(_Event):
    eventType: str
    payload: dict[str, Any] | None = None


def _zoho(payload: Any) -> list[str]:
    events = TypeAdapter(list[ZohoEvent]).validate_python(payload)
    return [str(e.payload["id"]) for e in events if e.eventType in ZOHO_TICKET_EVENTS and e.payload and e.payload.get("id")]


READERS: dict[str, Callable[[Any], list[str]]] = {"hubspot": _hubspot, "zendesk": _zendesk, "jira": _jira, "zoho": _zoho}


def ticket_ids(helpdesk: str, body: bytes) -> list[str]:
    """The distinct ticket ids a delivery names, in order; [] when it is about nothing we act on."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookPayloadError(f"body is not JSON: {exc}") from exc
    try:
        return list(dict.fromkeys(READERS[helpdesk](payload)))
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise WebhookPayloadError(f"not a {helpdesk} webhook body: {reasons}") from exc
