"""A HubSpot CRM fake: Bearer Private App token, ticket search with `paging.next.after`, v4
associations (paged), batch read, notes associated by type 228, the tickets pipeline, 429 with
Retry-After and HubSpot's error bodies. Every request body is read into hubspot-api-client's own
model for that call (the SDK's deserializer, so its required fields and enums hold) and a key the
model does not know is refused with 400 VALIDATION_ERROR, as HubSpot's JSON binding does."""

from __future__ import annotations

import itertools
import json
import re
from types import ModuleType, SimpleNamespace
from typing import Any

import hubspot.crm.objects.notes as sdk_notes
import hubspot.crm.tickets as sdk_tickets
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.loopback import Faults, demo_seed

TOKEN = "pat-eu1-fake"
AI_OWNER, HUMAN_OWNER, SUPPORT_OWNER = "7001", "7002", "7003"
PAGE = 1
STAGES = [{"id": "1", "label": "New"}, {"id": "2", "label": "Waiting on contact"},
          {"id": "3", "label": "Waiting on us"}, {"id": "4", "label": "Closed"}]


def _error(status: int, category: str, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message, "correlationId": "c0ffee", "category": category}, status)


class BodyRefused(ValueError):
    pass


def _unknown_keys(data: Any, kind: str, models: ModuleType, path: str = "") -> list[str]:
    """Keys in `data` that the SDK model `kind` (an openapi type string) and its nested models lack."""
    if kind.startswith("list[") and isinstance(data, list):
        return [k for i, v in enumerate(data) for k in _unknown_keys(v, kind[5:-1], models, f"{path}[{i}].")]
    if kind.startswith("dict[") and isinstance(data, dict):
        inner = re.match(r"dict\[([^,]*), (.*)\]", kind).group(2)
        return [k for key, v in data.items() for k in _unknown_keys(v, inner, models, f"{path}{key}.")]
    klass = getattr(models, kind, None)
    if klass is None or not isinstance(data, dict):
        return []  # a primitive: the SDK's deserializer converts it
    known = {json_key: klass.openapi_types[attr] for attr, json_key in klass.attribute_map.items()}
    unknown = [f"{path}{key}" for key in data if key not in known]
    return unknown + [k for key, v in data.items() if key in known for k in _unknown_keys(v, known[key], models, f"{path}{key}.")]


def sdk_body(raw: bytes, kind: str, package: ModuleType) -> Any:
    """`raw` read into the SDK model `kind` of `package` (e.g. hubspot.crm.tickets): BodyRefused for a
    key the model does not know, a required field missing or a value outside an enum."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BodyRefused(f"Invalid input JSON: {exc}") from exc
    if unknown := _unknown_keys(data, kind, package.models):
        raise BodyRefused(f"Invalid input JSON: Unrecognized field(s) {', '.join(repr(k) for k in unknown)} (class {kind}), "
                          "not marked as ignorable")
    config = package.Configuration()
    config.client_side_validation = True  # the SDK ships with it off; on, its models check required fields and enums
    try:
        return package.ApiClient(configuration=config).deserialize(SimpleNamespace(data=json.dumps(data)), kind)
    except ValueError as exc:
        raise BodyRefused(f"Invalid input JSON: cannot build {kind}: {exc}") from exc


class FakeHubSpot:
    def __init__(self) -> None:
        customers, tickets = demo_seed()
        self.contacts = {
            cid: {"id": cid, "properties": {"firstname": c["name"].split()[0], "lastname": " ".join(c["name"].split()[1:]),
                                            "email": c["email"]}}
            for cid, c in customers.items()
        }
        self.tickets: dict[str, dict[str, Any]] = {}
        self.contact_of: dict[str, str] = {}
        for t in tickets.values():
            ai = t.get("assignee") == "AI Processing"
            self.tickets[t["id"]] = {"id": t["id"], "createdAt": t["created_at"], "archived": False, "properties": {
                "subject": t["subject"], "content": t["body"], "hs_pipeline": "0",
                "hs_pipeline_stage": "1" if ai else "4", "hs_ticket_priority": t.get("priority", "normal").upper(),
                "hubspot_owner_id": AI_OWNER if ai else SUPPORT_OWNER, "createdate": t["created_at"],
            }}
            self.contact_of[t["id"]] = t["customer_id"]
        self.notes: dict[str, dict[str, Any]] = {}
        self.note_ticket: dict[str, str] = {}
        self.ids = itertools.count(50001)
        self.patches: list[tuple[str, dict]] = []
        self.faults = Faults()
        self.scopes = {"tickets", "crm.objects.contacts.read"}
        self.app = self._app()

    def notes_on(self, ticket_id: str) -> list[str]:
        return [n["properties"]["hs_note_body"] for nid, n in self.notes.items() if self.note_ticket[nid] == ticket_id]

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next):
            if self.faults.take():
                return JSONResponse({"status": "error", "message": "You have reached your secondly limit.",
                                     "category": "RATE_LIMITS"}, 429, headers={"Retry-After": self.faults.retry_after})
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return _error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
            if "tickets" in request.url.path and "tickets" not in self.scopes:
                return _error(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call. "
                                                     "Read more about required scopes here: https://developers.hubspot.com/scopes.")
            return await call_next(request)

        def page(items: list, after: str | None) -> dict:
            start = int(after or 0)
            more = start + PAGE < len(items)
            return {"results": items[start:start + PAGE], **({"paging": {"next": {"after": str(start + PAGE)}}} if more else {})}

        def public(t: dict, props: list[str] | None = None, contacts: bool = False) -> dict:
            out = {**t, "properties": {k: v for k, v in t["properties"].items() if not props or k in props}}
            if contacts:
                out["associations"] = {"contacts": {"results": [{"id": self.contact_of[t["id"]], "type": "ticket_to_contact"}]}}
            return out

        @app.get("/crm/v3/pipelines/tickets")
        async def pipelines():
            return {"results": [{"id": "0", "label": "Support Pipeline", "stages": STAGES}]}

        async def read(request: Request, kind: str, package: ModuleType = sdk_tickets) -> dict:
            raw = await request.body()
            sdk_body(raw, kind, package)  # refused as HubSpot would; the fake then reads the plain JSON
            return json.loads(raw)

        @app.exception_handler(BodyRefused)
        async def refused(request: Request, exc: BodyRefused):
            return _error(400, "VALIDATION_ERROR", str(exc))

        @app.post("/crm/v3/objects/tickets/search")
        async def search(request: Request):
            body = await read(request, "PublicObjectSearchRequest")
            [group] = body["filterGroups"]
            matches = [t for t in sorted(self.tickets.values(), key=lambda t: t["createdAt"])
                       if all(t["properties"].get(f["propertyName"]) == f["value"] for f in group["filters"])]
            result = page([public(t, body.get("properties")) for t in matches], body.get("after"))
            return {"total": len(matches), **result}

        @app.get("/crm/v3/objects/tickets/{tid}")
        async def get_ticket(tid: str, associations: str = "", properties: str = ""):
            if tid not in self.tickets:
                return _error(404, "OBJECT_NOT_FOUND", f"Object not found. objectId are usually numeric. id={tid}")
            return public(self.tickets[tid], properties.split(",") if properties else None, "contacts" in associations)

        @app.get("/crm/v3/objects/contacts/{cid}")
        async def get_contact(cid: str):
            if cid not in self.contacts:
                return _error(404, "OBJECT_NOT_FOUND", "Object not found.")
            return self.contacts[cid]

        @app.get("/crm/v4/objects/{from_type}/{oid}/associations/{to_type}")
        async def associations(from_type: str, oid: str, to_type: str, after: str | None = None):
            if (from_type, to_type) == ("contacts", "tickets"):
                ids, type_id = [t for t, c in self.contact_of.items() if c == oid], 15
            elif (from_type, to_type) == ("tickets", "contacts"):
                ids, type_id = [self.contact_of[oid]], 16
            elif (from_type, to_type) == ("tickets", "notes"):
                ids, type_id = [n for n, t in self.note_ticket.items() if t == oid], 227
            else:
                return _error(400, "VALIDATION_ERROR", f"unsupported association {from_type}->{to_type}")
            rows = [{"toObjectId": int(i), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]}
                    for i in ids]
            return page(rows, after)

        @app.post("/crm/v3/objects/{object_type}/batch/read")
        async def batch_read(object_type: str, request: Request):
            package = {"tickets": sdk_tickets, "notes": sdk_notes}.get(object_type)
            if package is None:
                return _error(400, "VALIDATION_ERROR", f"unsupported object type {object_type}")
            body = await read(request, "BatchReadInputSimplePublicObjectId", package)
            if len(body["inputs"]) > 100:
                return _error(400, "VALIDATION_ERROR", "at most 100 inputs")
            store = {"tickets": self.tickets, "notes": self.notes}[object_type]
            return {"status": "COMPLETE", "results": [public(store[i["id"]], body.get("properties"))
                                                      for i in body["inputs"] if i["id"] in store]}

        @app.post("/crm/v3/objects/notes")
        async def create_note(request: Request):
            body = await read(request, "SimplePublicObjectInputForCreate", sdk_notes)
            props = body["properties"]
            if "hs_timestamp" not in props:
                return _error(400, "VALIDATION_ERROR", "Property hs_timestamp is required")
            [assoc] = body["associations"]
            if assoc["types"][0]["associationTypeId"] != 228 or assoc["to"]["id"] not in self.tickets:
                return _error(400, "VALIDATION_ERROR", "invalid association")
            nid = str(next(self.ids))
            self.notes[nid] = {"id": nid, "properties": props}
            self.note_ticket[nid] = assoc["to"]["id"]
            return JSONResponse(self.notes[nid], 201)

        @app.patch("/crm/v3/objects/tickets/{tid}")
        async def patch(tid: str, request: Request):
            if tid not in self.tickets:
                return _error(404, "OBJECT_NOT_FOUND", "Object not found.")
            props = (await read(request, "SimplePublicObjectInput"))["properties"]
            if props.get("hs_pipeline_stage", "1") not in {s["id"] for s in STAGES}:
                return _error(400, "VALIDATION_ERROR", f"{props['hs_pipeline_stage']} is not a valid pipeline stage")
            self.patches.append((tid, props))
            self.tickets[tid]["properties"].update(props)
            return self.tickets[tid]

        return app
