"""HubSpot Service Hub: a Private App token; the AI's tickets found by CRM search on pipeline stage
(and owner), the contact's other tickets through v4 associations and a batch read, notes associated
to the ticket, and stages named in settings resolved to this account's ids via the pipelines API."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import httpx

from concierge.schemas import Customer, Ticket
from concierge.settings import Settings
from concierge.tools.helpdesk.base import Resolution
from concierge.tools.helpdesk.http import HelpdeskError, HelpdeskHttp, HttpConnector, marker_for
from concierge.tools.outbound import Policy

PROPERTIES = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority", "hubspot_owner_id", "createdate"]
NOTE_TO_TICKET = 228  # HUBSPOT_DEFINED association type
BATCH = 100


def _explain(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    parts = [body.get("category"), body.get("message")]
    parts += [e.get("message") for e in body.get("errors", []) if isinstance(e, dict)]
    return " — ".join(p for p in parts if p) or response.text[:300]


class HubSpotHelpdesk(HttpConnector):
    name = "hubspot"
    retry_safe = True  # add_note looks for its marker among the ticket's notes before writing

    def __init__(self, settings: Settings) -> None:
        if not settings.hubspot_token:
            raise ValueError("HELPDESK=hubspot needs HUBSPOT_TOKEN (a Private App access token)")
        self.settings = settings
        self.stage_names = {
            "ai": settings.hubspot_ai_stage,
            "processing": settings.helpdesk_status_processing or "Waiting on us",
            "resolved": settings.helpdesk_status_resolved or "Closed",
            "human": settings.helpdesk_status_human or "Waiting on us",
        }
        self._pipeline: dict[str, Any] | None = None
        self._raw: dict[str, dict[str, Any]] = {}

    async def open(self) -> None:
        s = self.settings
        assert s.hubspot_token is not None  # __init__ refuses settings without it
        self._http = HelpdeskHttp(
            "HubSpot", s.hubspot_base_url, headers={"Authorization": f"Bearer {s.hubspot_token.get_secret_value()}"},
            explain=_explain, max_attempts=s.helpdesk_max_attempts, max_wait_s=s.helpdesk_max_wait_s, policy=Policy.provider(s),
        )

    # --- the account's pipeline and stages -----------------------------------------------------------
    async def pipeline(self) -> dict[str, Any]:
        """The configured pipeline with each mapped stage resolved to its id (by id or by label)."""
        if self._pipeline is None:
            wanted = self.settings.hubspot_pipeline
            pipelines = (await self.http.json("GET", "/crm/v3/pipelines/tickets")).get("results", [])
            found = next((p for p in pipelines if wanted in (p["id"], p.get("label"))), None)
            if found is None:
                raise HelpdeskError(f"HubSpot has no ticket pipeline {wanted!r} (HUBSPOT_PIPELINE); pipelines: "
                                    + ", ".join(f"{p['id']} {p.get('label')!r}" for p in pipelines))
            stages = {}
            for role, name in self.stage_names.items():
                stage = next((st for st in found["stages"] if name in (st["id"], st.get("label"))), None)
                if stage is None:
                    raise HelpdeskError(f"HubSpot pipeline {found.get('label')!r} has no stage {name!r} (for {role}); stages: "
                                        + ", ".join(f"{st['id']} {st.get('label')!r}" for st in found["stages"]))
                stages[role] = stage["id"]
            self._pipeline = {"id": found["id"], "stages": stages,
                              "labels": {st["id"]: st.get("label", st["id"]) for st in found["stages"]}}
        return self._pipeline

    # --- reading -------------------------------------------------------------------------------------
    async def _contact(self, raw: dict[str, Any]) -> Customer:
        linked = raw.get("associations", {}).get("contacts", {}).get("results", [])
        ids = [str(r["id"]) for r in linked] or await self._associated("tickets", raw["id"], "contacts")
        if not ids:
            return Customer(id="", name="(no contact)", email="")
        contact = await self.http.json("GET", f"/crm/v3/objects/contacts/{ids[0]}", params={"properties": "firstname,lastname,email"})
        props = contact.get("properties", {})
        name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p) or props.get("email") or ids[0]
        return Customer(id=str(contact["id"]), name=name, email=props.get("email") or "")

    async def _associated(self, from_type: str, object_id: str, to_type: str) -> list[str]:
        ids, after = [], None
        while True:
            params = {"limit": 500, **({"after": after} if after else {})}
            body = await self.http.json("GET", f"/crm/v4/objects/{from_type}/{object_id}/associations/{to_type}", params=params)
            ids += [str(r["toObjectId"]) for r in body.get("results", [])]
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                return ids

    async def _batch_read(self, object_type: str, ids: list[str], properties: list[str]) -> list[dict[str, Any]]:
        objects = []
        for start in range(0, len(ids), BATCH):
            body = await self.http.json("POST", f"/crm/v3/objects/{object_type}/batch/read", json={
                # propertiesWithHistory is a required field of the batch-read input (empty: no history wanted)
                "inputs": [{"id": i} for i in ids[start:start + BATCH]], "properties": properties, "propertiesWithHistory": [],
            })
            objects += body.get("results", [])
        return objects

    async def _ticket(self, raw: dict[str, Any], customer: Customer | None = None) -> Ticket:
        self._raw[str(raw["id"])] = raw
        props = raw.get("properties", {})
        labels = (await self.pipeline())["labels"]
        return Ticket(
            id=str(raw["id"]), helpdesk=self.name, subject=props.get("subject") or "", body=props.get("content") or "",
            customer=customer or await self._contact(raw),
            status=labels.get(props.get("hs_pipeline_stage"), props.get("hs_pipeline_stage") or ""),
            assignee=props.get("hubspot_owner_id"), priority=(props.get("hs_ticket_priority") or "normal").lower(),
            created_at=raw.get("createdAt") or props.get("createdate") or "",
        )

    async def list_assigned_tickets(self) -> list[Ticket]:
        pipeline = await self.pipeline()
        filters = [{"propertyName": "hs_pipeline", "operator": "EQ", "value": pipeline["id"]},
                   {"propertyName": "hs_pipeline_stage", "operator": "EQ", "value": pipeline["stages"]["ai"]}]
        if self.settings.hubspot_ai_owner_id:
            filters.append({"propertyName": "hubspot_owner_id", "operator": "EQ", "value": self.settings.hubspot_ai_owner_id})
        found, after = [], None
        while True:
            body = await self.http.json("POST", "/crm/v3/objects/tickets/search", json={
                "filterGroups": [{"filters": filters}], "properties": PROPERTIES,
                "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}], "limit": 100,
                **({"after": after} if after else {}),
            })
            found += body.get("results", [])
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
        return [await self._ticket(raw) for raw in found]

    async def get_ticket(self, ticket_id: str) -> Ticket:
        raw = await self.http.json("GET", f"/crm/v3/objects/tickets/{ticket_id}", not_found=f"HubSpot has no ticket {ticket_id}",
                                   params={"properties": ",".join(PROPERTIES), "associations": "contacts"})
        return await self._ticket(raw)

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        if not ticket.customer.id:
            return []
        ids = [i for i in await self._associated("contacts", ticket.customer.id, "tickets") if i != ticket.id]
        history = [await self._ticket(raw, ticket.customer) for raw in await self._batch_read("tickets", ids, PROPERTIES)]
        return sorted(history, key=lambda t: t.created_at)

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        props = self._raw.get(ticket.id, {}).get("properties", {})
        stages = (self._pipeline or {}).get("stages", {})
        if props.get("hs_pipeline_stage") != stages.get("ai"):
            return f"HubSpot ticket {ticket.id} is in stage {ticket.status!r}, not {self.stage_names['ai']!r}"
        owner = self.settings.hubspot_ai_owner_id
        if owner and props.get("hubspot_owner_id") != owner:
            return f"HubSpot ticket {ticket.id} is owned by {props.get('hubspot_owner_id') or 'nobody'}, not the AI owner {owner}"
        return None

    # --- writing -------------------------------------------------------------------------------------
    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        text = "<p>" + html.escape(body).replace("\n", "<br>") + "</p>"
        if idempotency_key:
            marker = marker_for(idempotency_key)
            note_ids = await self._associated("tickets", ticket_id, "notes")
            for note in await self._batch_read("notes", note_ids, ["hs_note_body"]):
                if marker in (note.get("properties", {}).get("hs_note_body") or ""):
                    return str(note["id"])
            text += f"<p>[{marker}]</p>"
        note = await self.http.json("POST", "/crm/v3/objects/notes", json={
            "properties": {"hs_timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                           "hs_note_body": text},
            "associations": [{"to": {"id": ticket_id},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_TICKET}]}],
        })
        return str(note["id"])

    async def mark_processing(self, ticket_id: str) -> None:
        pipeline = await self.pipeline()
        await self.http.json("PATCH", f"/crm/v3/objects/tickets/{ticket_id}", not_found=f"HubSpot has no ticket {ticket_id}",
                             json={"properties": {"hs_pipeline": pipeline["id"], "hs_pipeline_stage": pipeline["stages"]["processing"]}})

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        pipeline = await self.pipeline()
        role = "resolved" if resolution in ("resolved", "closed") else "human"
        properties = {"hs_pipeline": pipeline["id"], "hs_pipeline_stage": pipeline["stages"][role]}
        if role == "human":
            properties["hubspot_owner_id"] = self.settings.hubspot_human_owner_id or ""
        await self.http.json("PATCH", f"/crm/v3/objects/tickets/{ticket_id}", json={"properties": properties},
                             not_found=f"HubSpot has no ticket {ticket_id}")
