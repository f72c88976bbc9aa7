"""A Zendesk Support fake: basic `email/token` auth, search (offset, capped at 1,000 results with 422
past them as the real API does) and export search (cursor, uncapped), both refusing keywords the
search reference does not list, cursor paging on requested tickets and comments, ticket updates
checked against the documented ticket fields (unknown ones refused) with private comments, 429
with Retry-After, and Zendesk's error bodies."""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from tests.fakes.loopback import Faults, demo_seed

AI_GROUP, HUMAN_GROUP = 360001, 360002
EMAIL, TOKEN = "agent@wayfarer.example", "zd-token-123"
PAGE = 1  # one item per page, so every list is paged (search honours per_page / page[size])
SEARCH_LIMIT = 1000  # /search.json answers 422 past this many results

# Search keywords for tickets: https://support.zendesk.com/hc/en-us/articles/4408886879258 (Zendesk
# Support search reference). `group_id:` or `assignee_id:` are not among them.
KEYWORDS = {"type", "status", "priority", "ticket_type", "group", "assignee", "requester", "submitter", "organization",
            "tags", "via", "subject", "description", "comment", "commenter", "cc", "created", "updated", "solved",
            "due_date", "brand", "form", "fieldvalue", "has_attachment", "recipient", "custom_status_id", "order_by", "sort"}
_TERM = re.compile(r"(-?)(\w+)(:|<=|>=|<|>)(\S+)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommentInput(_Strict):
    """https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/ (written through a ticket update)"""

    body: str | None = None
    html_body: str | None = None
    public: bool = True
    author_id: int | None = None
    uploads: list[str] | None = None


class TicketUpdate(_Strict):
    """https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket (the writable ticket fields)"""

    subject: str | None = None
    comment: CommentInput | None = None
    status: Literal["new", "open", "pending", "hold", "solved", "closed"] | None = None
    priority: Literal["urgent", "high", "normal", "low"] | None = None
    type: Literal["problem", "incident", "question", "task"] | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    assignee_email: str | None = None
    requester_id: int | None = None
    submitter_id: int | None = None
    organization_id: int | None = None
    brand_id: int | None = None
    ticket_form_id: int | None = None
    custom_status_id: int | None = None
    problem_id: int | None = None
    external_id: str | None = None
    due_at: str | None = None
    tags: list[str] | None = None
    additional_tags: list[str] | None = None
    remove_tags: list[str] | None = None
    custom_fields: list[dict[str, Any]] | None = None
    collaborator_ids: list[int] | None = None
    email_ccs: list[dict[str, Any]] | None = None
    followers: list[dict[str, Any]] | None = None
    attribute_value_ids: list[int] | None = None
    sharing_agreement_ids: list[int] | None = None
    via_followup_source_id: int | None = None
    safe_update: bool | None = None
    updated_stamp: str | None = None


class TicketUpdateRequest(_Strict):
    ticket: TicketUpdate


def _invalid(exc: ValidationError) -> JSONResponse:
    details: dict[str, list[dict[str, str]]] = {}
    for e in exc.errors():
        field = str(e["loc"][-1]) if e["loc"] else "ticket"
        details.setdefault(field, []).append({"description": f"{field}: {e['msg']}", "error": e["type"]})
    return JSONResponse({"error": "RecordInvalid", "description": "Record validation errors", "details": details}, 422)


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

        def searched(query: str) -> list[dict] | JSONResponse:
            terms = _TERM.findall(query)
            unknown = sorted({key for _, key, _, _ in terms if key not in KEYWORDS})
            if unknown:
                return JSONResponse({"error": "InvalidSearch", "description": f"unknown search keyword(s): {', '.join(unknown)}"}, 400)
            found = sorted(self.tickets.values(), key=lambda t: t["created_at"])
            for negate, key, op, value in terms:
                if key == "status" and op == "<" and value == "solved":
                    found = [t for t in found if t["status"] in ("new", "open", "pending", "hold")]
                elif key in ("group", "assignee"):  # by id (a name also works for real, not faked)
                    found = [t for t in found if (str(t[f"{key}_id"]) == value) != bool(negate)]
                elif key != "type":
                    return JSONResponse({"error": "InvalidSearch", "description": f"{key}{op} is documented but not faked"}, 400)
            return [{**t, "result_type": "ticket"} for t in found]

        @app.get(f"{base}/search.json")
        async def search(request: Request, query: str, page: int = 1, per_page: int = 100):
            if per_page > 100:
                return JSONResponse({"error": "InvalidPaginationParameter", "description": "per_page is at most 100"}, 400)
            if page * per_page > SEARCH_LIMIT:
                return JSONResponse({"error": "InsufficientResourceError",
                                     "description": f"Search returns at most {SEARCH_LIMIT} results per query"}, 422)
            if "type:ticket" not in query.split():
                return JSONResponse({"error": "InvalidSearch", "description": "only type:ticket is faked"}, 400)
            found = searched(query)
            if isinstance(found, JSONResponse):
                return found
            more = page * per_page < len(found)
            return {"results": found[(page - 1) * per_page: page * per_page], "count": len(found),
                    "next_page": str(request.url.include_query_params(page=page + 1)) if more else None, "previous_page": None}

        @app.get(f"{base}/search/export")
        async def export(request: Request, query: str):
            if request.query_params.get("filter[type]") != "ticket":
                return JSONResponse({"error": "InvalidParameter", "description": "filter[type] is required (only ticket is faked)"}, 400)
            size = int(request.query_params.get("page[size]", 100))
            if not 1 <= size <= 1000:
                return JSONResponse({"error": "InvalidPaginationParameter", "description": "page[size] is 1 to 1000"}, 400)
            found = searched(query)
            if isinstance(found, JSONResponse):
                return found
            start = int(request.query_params.get("page[after]", 0))
            more = start + size < len(found)
            url = str(request.url.remove_query_params("page[after]").include_query_params(**{"page[after]": start + size}))
            return {"results": found[start:start + size], "meta": {"has_more": more, "after_cursor": str(start + size) if more else None},
                    "links": {"next": url if more else None}}

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
            try:
                TicketUpdateRequest.model_validate(body := await request.json())
            except ValidationError as exc:
                return _invalid(exc)
            change = body["ticket"]
            self.updates.append((tid, change))
            events = []
            if comment := change.pop("comment", None):
                new = {"id": next(self.ids), "body": comment["body"], "plain_body": comment["body"], "public": comment.get("public", True)}
                self.comments[tid].append(new)
                events.append({"id": new["id"], "type": "Comment", "public": new["public"]})
            self.tickets[tid].update(change)
            return {"ticket": self.tickets[tid], "audit": {"id": next(self.ids), "events": events}}

        return app
