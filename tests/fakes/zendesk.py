"""A Zendesk Support fake: basic `email/token` auth, offset search with `next_page`, cursor paging
on requested tickets and comments, ticket updates with private comments, 429 with Retry-After,
and Zendesk's error bodies."""

from __future__ import annotations

import base64
import itertools
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.loopback import Faults, demo_seed

AI_GROUP, HUMAN_GROUP = 360001, 360002
EMAIL, TOKEN = "agent@wayfarer.example", "zd-token-123"
PAGE = 1  # one item per page, so every list is paged


class FakeZendesk:
    def __init__(self) -> None:
        customers, tickets = demo_seed()
        self.users = {int(k): {"id": int(k), "name": c["name"], "email": c["email"]} for k, c in customers.items()}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.ids = itertools.count(9000)
        for t in tickets.values():
            tid = int(t["id"])
            ai = t.get("assignee") == "AI Processing"
            self.tickets[tid] = {
                "id": tid, "subject": t["subject"], "description": t["body"], "status": t["status"],
                "requester_id": int(t["customer_id"]), "group_id": AI_GROUP if ai else 360003, "assignee_id": None,
                "priority": t.get("priority", "normal"), "created_at": t["created_at"],
            }
            self.comments[tid] = [{"id": next(self.ids), "body": t["body"], "plain_body": t["body"], "public": True}]
            if t.get("resolution"):
                self.comments[tid].append({"id": next(self.ids), "body": t["resolution"], "plain_body": t["resolution"], "public": True})
        self.faults = Faults()
        self.updates: list[tuple[int, dict[str, Any]]] = []
        self.app = self._app()

    def private_notes(self, ticket_id: int) -> list[str]:
        return [c["body"] for c in self.comments[ticket_id] if not c["public"]]

    def _app(self) -> FastAPI:
        app = FastAPI()
        base = "/api/v2"

        @app.middleware("http")
        async def gate(request: Request, call_next):
            if self.faults.take():
                return JSONResponse({"error": "TooManyRequests", "description": "Rate limit exceeded"}, 429,
                                    headers={"Retry-After": self.faults.retry_after})
            expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"error": "Couldn't authenticate you"}, 401)
            response = await call_next(request)
            response.headers["X-Rate-Limit"] = "700"
            return response

        def missing(tid: int) -> JSONResponse:
            return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, 404)

        def cursor_page(request: Request, items: list, key: str) -> dict:
            start = int(request.query_params.get("page[after]", 0))
            chunk = items[start:start + PAGE]
            more = start + PAGE < len(items)
            url = str(request.url.remove_query_params("page[after]").include_query_params(**{"page[after]": start + PAGE}))
            return {key: chunk, "meta": {"has_more": more, "after_cursor": str(start + PAGE) if more else None},
                    "links": {"next": url if more else None}}

        @app.get(f"{base}/search.json")
        async def search(request: Request, query: str, page: int = 1):
            terms = dict(t.split(":", 1) for t in query.split() if ":" in t and "<" not in t)
            if terms.get("type") != "ticket":
                return JSONResponse({"error": "InvalidSearch", "description": "only type:ticket is faked"}, 400)
            found = [t for t in sorted(self.tickets.values(), key=lambda t: t["created_at"])
                     if t["status"] in ("new", "open", "pending", "hold")
                     and ("group_id" not in terms or str(t["group_id"]) == terms["group_id"])
                     and ("assignee_id" not in terms or str(t["assignee_id"]) == terms["assignee_id"])]
            chunk = found[(page - 1) * PAGE: page * PAGE]
            more = page * PAGE < len(found)
            return {"results": [{**t, "result_type": "ticket"} for t in chunk], "count": len(found),
                    "next_page": str(request.url.include_query_params(page=page + 1)) if more else None, "previous_page": None}

        @app.get(f"{base}/tickets/{{tid}}.json")
        async def get_ticket(tid: int):
            return {"ticket": self.tickets[tid]} if tid in self.tickets else missing(tid)

        @app.get(f"{base}/users/{{uid}}.json")
        async def get_user(uid: int):
            return {"user": self.users[uid]} if uid in self.users else missing(uid)

        @app.get(f"{base}/users/{{uid}}/tickets/requested.json")
        async def requested(uid: int, request: Request):
            mine = [t for t in self.tickets.values() if t["requester_id"] == uid]
            return cursor_page(request, mine, "tickets")

        @app.get(f"{base}/tickets/{{tid}}/comments.json")
        async def comments(tid: int, request: Request):
            if tid not in self.tickets:
                return missing(tid)
            return cursor_page(request, self.comments[tid], "comments")

        @app.put(f"{base}/tickets/{{tid}}.json")
        async def update(tid: int, request: Request):
            if tid not in self.tickets:
                return missing(tid)
            change = (await request.json())["ticket"]
            if "status" in change and change["status"] not in ("new", "open", "pending", "hold", "solved", "closed"):
                return JSONResponse({"error": "RecordInvalid", "description": "Record validation errors",
                                     "details": {"status": [{"description": f"Status: {change['status']} is not valid"}]}}, 422)
            self.updates.append((tid, change))
            events = []
            if comment := change.pop("comment", None):
                new = {"id": next(self.ids), "body": comment["body"], "plain_body": comment["body"], "public": comment.get("public", True)}
                self.comments[tid].append(new)
                events.append({"id": new["id"], "type": "Comment", "public": new["public"]})
            self.tickets[tid].update(change)
            return {"ticket": self.tickets[tid], "audit": {"id": next(self.ids), "events": events}}

        return app
