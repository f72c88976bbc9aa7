"""A Zoho Desk fake with its Accounts server: refresh-token grant issuing access tokens that can be
expired, `Zoho-oauthtoken` + `orgId` checks, `from`/`limit` lists wrapped in `data` (204 when empty),
private comments, ticket PATCH, 429 with Retry-After and Zoho's error bodies."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes.loopback import Faults, demo_seed

ORG_ID, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = "60001234", "1000.CLIENT", "zoho-secret", "1000.refresh"
AI_AGENT, HUMAN_TEAM, SUPPORT_AGENT = "4000000010001", "4000000020002", "4000000010003"
STATUS_TYPE = {"Open": "Open", "On Hold": "On Hold", "Escalated": "Open", "Closed": "Closed"}


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
            start = int(request.query_params.get("from", 0))
            found = [with_contact(t) for t in sorted(self.tickets.values(), key=lambda t: t["createdTime"])
                     if (not assignee or t["assigneeId"] == assignee) and (not status or t["status"] in status.split(","))]
            return listing(found, start, limit)

        @app.get("/api/v1/tickets/{tid}")
        async def get_ticket(tid: str):
            return with_contact(self.tickets[tid]) if tid in self.tickets else missing()

        @app.get("/api/v1/contacts/{cid}/tickets")
        async def contact_tickets(cid: str, request: Request, limit: int = 50):
            found = sorted((t for t in self.tickets.values() if t["contactId"] == cid), key=lambda t: t["createdTime"])
            return listing(found, int(request.query_params.get("from", 0)), limit)

        @app.get("/api/v1/tickets/{tid}/threads")
        async def threads(tid: str, request: Request, limit: int = 50):
            return listing(self.threads[tid], int(request.query_params.get("from", 0)), limit) if tid in self.tickets else missing()

        @app.get("/api/v1/tickets/{tid}/comments")
        async def comments(tid: str, request: Request, limit: int = 50):
            return listing(self.comments[tid], int(request.query_params.get("from", 0)), limit) if tid in self.tickets else missing()

        @app.post("/api/v1/tickets/{tid}/comments")
        async def add_comment(tid: str, request: Request):
            if tid not in self.tickets:
                return missing()
            body = await request.json()
            comment = {"id": str(next(self.ids)), "isPublic": body.get("isPublic", True), "content": body["content"],
                       "contentType": body.get("contentType", "html")}
            self.comments[tid].append(comment)
            return comment

        @app.patch("/api/v1/tickets/{tid}")
        async def patch(tid: str, request: Request):
            if tid not in self.tickets:
                return missing()
            change = await request.json()
            if "status" in change and change["status"] not in STATUS_TYPE:
                return JSONResponse({"errorCode": "UNPROCESSABLE_ENTITY", "message": f"status {change['status']} is invalid"}, 422)
            self.patches.append((tid, change))
            self.tickets[tid].update(change)
            if "status" in change:
                self.tickets[tid]["statusType"] = STATUS_TYPE[change["status"]]
            return with_contact(self.tickets[tid])

        return app
