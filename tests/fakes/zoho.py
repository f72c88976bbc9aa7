"""A Zoho Desk fake with its Accounts server: refresh-token grant issuing access tokens that can be
expired, `Zoho-oauthtoken` + `orgId` checks, `from`/`limit` lists wrapped in `data` (204 when empty),
private comments, ticket PATCH, 429 with Retry-After and Zoho's error bodies. Like Zoho, it refuses
a query parameter an endpoint does not document (or an `include` value it does not take) and a
body field outside the documented attributes, with 422 UNPROCESSABLE_ENTITY. `webhook_events`
builds the array of events Zoho's webhook delivers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from tests.fakes.loopback import Faults, demo_seed

ORG_ID, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = "60001234", "1000.CLIENT", "zoho-secret", "1000.refresh"
AI_AGENT, HUMAN_TEAM, SUPPORT_AGENT = "4000000010001", "4000000020002", "4000000010003"
STATUS_TYPE = {"Open": "Open", "On Hold": "On Hold", "Escalated": "Open", "Closed": "Closed"}

# Query parameters and `include` values per endpoint, from https://desk.zoho.com/DeskAPIDocument
# (Tickets: List all tickets, Get a ticket, List tickets by contact; Threads; Comments).
QUERY = {
    "list_tickets": ({"from", "limit", "departmentId", "assignee", "status", "channel", "teamIds", "dueDate", "closedTime",
                      "receivedInDays", "sortBy", "include", "viewId"}, {"contacts", "products", "departments", "team", "assignee", "isRead"}),
    "get_ticket": ({"include"}, {"contacts", "products", "assignee", "departments", "contract", "isRead", "team", "skills"}),
    "contact_tickets": ({"from", "limit", "sortBy", "include", "departmentId"}, {"products", "departments", "team", "isRead", "assignee"}),
    "threads": ({"from", "limit", "sortBy"}, set()),
    "comments": ({"from", "limit", "sortBy", "include"}, {"mentions"}),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommentInput(_Strict):
    """https://desk.zoho.com/DeskAPIDocument#TicketsComments#TicketsComments_Createticketcomment"""

    content: str
    isPublic: bool = True
    contentType: str = "html"
    attachmentIds: list[str] | None = None


class TicketUpdate(_Strict):
    """https://desk.zoho.com/DeskAPIDocument#Tickets#Tickets_Updateaticket (assigneeId null: nobody)"""

    subject: str | None = None
    departmentId: str | None = None
    contactId: str | None = None
    contact: dict[str, Any] | None = None
    productId: str | None = None
    uploads: list[str] | None = None
    email: str | None = None
    phone: str | None = None
    description: str | None = None
    status: str | None = None
    assigneeId: str | None = None
    teamId: str | None = None
    category: str | None = None
    subCategory: str | None = None
    resolution: str | None = None
    dueDate: str | None = None
    responseDueDate: str | None = None
    priority: str | None = None
    language: str | None = None
    channel: str | None = None
    classification: str | None = None
    secondaryContacts: list[str] | None = None
    sharedDepartments: list[dict[str, Any]] | None = None
    cf: dict[str, Any] | None = None
    customFields: dict[str, Any] | None = None
    disableClosureNotification: bool | None = None


def _unprocessable(message: str) -> JSONResponse:
    return JSONResponse({"errorCode": "UNPROCESSABLE_ENTITY", "message": message}, 422)


def _query_refusal(request: Request, endpoint: str) -> JSONResponse | None:
    allowed, includes = QUERY[endpoint]
    for key in request.query_params:
        if key not in allowed:
            return _unprocessable(f"Extra query parameter '{key}' is present in the input.")
    for value in request.query_params.get("include", "").split(","):
        if value and value not in includes:
            return _unprocessable(f"The value passed for the 'include' parameter is invalid: {value}")
    return None


def _body_refusal(exc: ValidationError) -> JSONResponse:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return _unprocessable(f"An extra parameter '{field}' is found")
    return _unprocessable(f"The value passed for the '{field}' field is invalid: {first['msg']}")


class FakeZoho:
    def __init__(self) -> None:
        customers, tickets = demo_seed()
        self.contacts = {cid: {"id": cid, "firstName": c["name"].split()[0], "lastName": " ".join(c["name"].split()[1:]),
                               "email": c["email"]} for cid, c in customers.items()}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.threads: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.ids = itertools.count(30001)
        for t in tickets.values():
            ai = t.get("assignee") == "AI Processing"
            status = "Open" if ai else "Closed"
            self.tickets[t["id"]] = {
                "id": t["id"], "ticketNumber": t["id"], "subject": t["subject"], "description": t["body"], "status": status,
                "statusType": STATUS_TYPE[status], "priority": t.get("priority", "normal").title(),
                "contactId": t["customer_id"], "assigneeId": AI_AGENT if ai else SUPPORT_AGENT, "teamId": None,
                "createdTime": t["created_at"],
            }
            self.threads[t["id"]] = [{"id": str(next(self.ids)), "direction": "out", "summary": t["resolution"][:80],
                                      "content": t["resolution"]}] if t.get("resolution") else []
            self.comments[t["id"]] = []
        self.tokens: set[str] = set()
        self.token_grants = 0
        self.faults = Faults()
        self.patches: list[tuple[str, dict]] = []
        self.app = self._app()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def private_comments(self, ticket_id: str) -> list[str]:
        return [c["content"] for c in self.comments[ticket_id] if not c["isPublic"]]

    def webhook_events(self, *ticket_ids: str, event: str = "Ticket_Update", prev: dict[str, Any] | None = None) -> list[dict]:
        """The body Zoho Desk's webhook POSTs: an array of events, each ticket as `payload`
        (https://desk.zoho.com/support/WebhookDocument.do)."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        events = []
        for tid in ticket_ids:
            item = {"eventType": event, "orgId": ORG_ID, "eventTime": now, "payload": dict(self.tickets[tid])}
            if prev is not None:
                item["prevState"] = {**self.tickets[tid], **prev}
            events.append(item)
        return events

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/oauth/v2/token")
        async def token(request: Request):
            form = dict(parse_qsl((await request.body()).decode()))
            if form != {"refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                        "grant_type": "refresh_token"}:
                return JSONResponse({"error": "invalid_code"})  # Zoho answers 200 with an error field
            self.token_grants += 1
            access = f"1000.access.{self.token_grants}"
            self.tokens.add(access)
            return {"access_token": access, "expires_in": 3600, "api_domain": "https://www.zohoapis.com", "token_type": "Bearer"}

        @app.middleware("http")
        async def gate(request: Request, call_next):
            if request.url.path.startswith("/oauth/"):
                return await call_next(request)
            if self.faults.take():
                return JSONResponse({"errorCode": "TOO_MANY_REQUESTS", "message": "API credits exhausted"}, 429,
                                    headers={"Retry-After": self.faults.retry_after})
            scheme, _, access = request.headers.get("authorization", "").partition(" ")
            if scheme != "Zoho-oauthtoken" or access not in self.tokens:
                return JSONResponse({"errorCode": "INVALID_OAUTH", "message": "The OAuth Token you provided is invalid."}, 401)
            if request.headers.get("orgId") != ORG_ID:
                return JSONResponse({"errorCode": "INVALID_DATA", "message": "orgId header is missing or wrong"}, 422)
            return await call_next(request)

        def missing() -> JSONResponse:
            return JSONResponse({"errorCode": "URL_NOT_FOUND", "message": "The URL you requested could not be found"}, 404)

        def listing(items: list, start: int, limit: int):
            chunk = items[start:start + limit]
            return {"data": chunk} if chunk else Response(status_code=204)

        def with_contact(t: dict) -> dict:
            return {**t, "contact": self.contacts[t["contactId"]]}

        @app.get("/api/v1/tickets")
        async def list_tickets(request: Request, assignee: str = "", status: str = "", limit: int = 50):
            if refused := _query_refusal(request, "list_tickets"):
                return refused
            start = int(request.query_params.get("from", 0))
            found = [with_contact(t) for t in sorted(self.tickets.values(), key=lambda t: t["createdTime"])
                     if (not assignee or t["assigneeId"] == assignee) and (not status or t["status"] in status.split(","))]
            return listing(found, start, limit)

        @app.get("/api/v1/tickets/{tid}")
        async def get_ticket(tid: str, request: Request):
            if refused := _query_refusal(request, "get_ticket"):
                return refused
            return with_contact(self.tickets[tid]) if tid in self.tickets else missing()

        @app.get("/api/v1/contacts/{cid}/tickets")
        async def contact_tickets(cid: str, request: Request, limit: int = 50):
            if refused := _query_refusal(request, "contact_tickets"):
                return refused
            found = sorted((t for t in self.tickets.values() if t["contactId"] == cid), key=lambda t: t["createdTime"])
            return listing(found, int(request.query_params.get("from", 0)), limit)

        @app.get("/api/v1/tickets/{tid}/threads")
        async def threads(tid: str, request: Request, limit: int = 50):
            if refused := _query_refusal(request, "threads"):
                return refused
            return listing(self.threads[tid], int(request.query_params.get("from", 0)), limit) if tid in self.tickets else missing()

        @app.get("/api/v1/tickets/{tid}/comments")
        async def comments(tid: str, request: Request, limit: int = 50):
            if refused := _query_refusal(request, "comments"):
                return refused
            return listing(self.comments[tid], int(request.query_params.get("from", 0)), limit) if tid in self.tickets else missing()

        @app.post("/api/v1/tickets/{tid}/comments")
        async def add_comment(tid: str, request: Request):
            if tid not in self.tickets:
                return missing()
            try:
                body = CommentInput.model_validate(await request.json())
            except ValidationError as exc:
                return _body_refusal(exc)
            comment = {"id": str(next(self.ids)), "isPublic": body.isPublic, "content": body.content, "contentType": body.contentType}
            self.comments[tid].append(comment)
            return comment

        @app.patch("/api/v1/tickets/{tid}")
        async def patch(tid: str, request: Request):
            if tid not in self.tickets:
                return missing()
            try:
                TicketUpdate.model_validate(change := await request.json())
            except ValidationError as exc:
                return _body_refusal(exc)
            if "status" in change and change["status"] not in STATUS_TYPE:
                return JSONResponse({"errorCode": "UNPROCESSABLE_ENTITY", "message": f"status {change['status']} is invalid"}, 422)
            self.patches.append((tid, change))
            self.tickets[tid].update(change)
            if "status" in change:
                self.tickets[tid]["statusType"] = STATUS_TYPE[change["status"]]
            return with_contact(self.tickets[tid])

        return app
