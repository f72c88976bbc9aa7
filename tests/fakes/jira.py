"""A Jira Service Management Cloud fake: basic email + API token, JQL search on `/rest/api/3/search/jql`
with nextPageToken paging (the small JQL subset the connector writes), service-desk comments
(paged envelope, internal with `public: false`), workflow transitions by id, 429 with Retry-After
and Jira's error bodies. Request bodies are checked against the documented request schemas below:
an unknown or misspelt field is refused with 400, as Jira's JSON binding does."""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tests.fakes.loopback import Faults, demo_seed

EMAIL, TOKEN = "ai@wayfarer.example", "jira-token-123"
AI_ACCOUNT, HUMAN_ACCOUNT, SUPPORT_ACCOUNT = "acc-ai", "acc-human", "acc-sofia"
PAGE = 1
STATUSES = {"Waiting for support": "new", "In Progress": "indeterminate", "Escalated": "indeterminate",
            "Resolved": "done", "Closed": "done"}
TRANSITIONS = [("11", "Start progress", "In Progress"), ("21", "Escalate", "Escalated"), ("31", "Resolve", "Resolved")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchJql(_Strict):
    """https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post"""

    jql: str
    nextPageToken: str | None = None
    maxResults: int = Field(50, ge=0, le=5000)
    fields: list[str] | None = None
    expand: str | None = None
    properties: list[str] | None = None
    fieldsByKeys: bool | None = None
    failFast: bool | None = None
    reconcileIssues: list[int] | None = None


class RequestComment(_Strict):
    """https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-post"""

    body: str
    public: bool = True


class TransitionRef(_Strict):
    id: str
    looped: bool | None = None


class DoTransition(_Strict):
    """https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post"""

    transition: TransitionRef
    fields: dict[str, Any] | None = None
    update: dict[str, Any] | None = None
    historyMetadata: dict[str, Any] | None = None
    properties: list[dict[str, Any]] | None = None


class Assignee(_Strict):
    """https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-assignee-put
    (a user by `accountId`; null unassigns)"""

    accountId: str | None


def _refused(exc: ValidationError) -> JSONResponse:
    """Jira's answer to a body its schema does not bind (Unrecognized field, missing or wrong type)."""
    return JSONResponse({"errorMessages": [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()],
                         "errors": {}}, 400)


def _adf(text: str) -> dict:
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in text.split("\n") if line]}


class FakeJira:
    def __init__(self) -> None:
        customers, tickets = demo_seed()
        self.users = {cid: {"accountId": f"acc-{cid}", "displayName": c["name"], "emailAddress": c["email"]}
                      for cid, c in customers.items()}
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.ids = itertools.count(20001)
        for t in tickets.values():
            key = f"SD-{t['id']}"
            ai = t.get("assignee") == "AI Processing"
            self.issues[key] = {"id": str(next(self.ids)), "key": key, "fields": {
                "summary": t["subject"], "description": _adf(t["body"]),
                "status": self._status("Waiting for support" if ai else "Resolved"),
                "reporter": self.users[t["customer_id"]],
                "assignee": {"accountId": AI_ACCOUNT if ai else SUPPORT_ACCOUNT},
                "priority": {"name": t.get("priority", "normal").title()}, "created": t["created_at"],
            }}
            self.comments[key] = [{"id": str(next(self.ids)), "body": t["resolution"], "public": True}] if t.get("resolution") else []
        self.faults = Faults()
        self.transitioned: list[tuple[str, str]] = []
        self.calls: list[tuple[str, str]] = []  # (method, path) of every authenticated request
        self.app = self._app()

    @staticmethod
    def _status(name: str) -> dict:
        return {"name": name, "statusCategory": {"key": STATUSES[name]}}

    def internal_notes(self, key: str) -> list[str]:
        return [c["body"] for c in self.comments[key] if not c["public"]]

    def _matches(self, jql: str, issue: dict) -> bool:
        fields = issue["fields"]
        for field, op, value in re.findall(r'(\w+)\s*(!=|=)\s*"?([\w-]+)"?', jql.split(" ORDER BY")[0]):
            actual = {"assignee": (fields["assignee"] or {}).get("accountId"), "reporter": fields["reporter"]["accountId"],
                      "project": issue["key"].split("-")[0],
                      "statusCategory": "Done" if fields["status"]["statusCategory"]["key"] == "done" else "Open"}.get(field)
            if (actual == value) != (op == "="):
                return False
        return True

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def gate(request: Request, call_next):
            if self.faults.take():
                return JSONResponse({"errorMessages": ["Rate limit exceeded."]}, 429,
                                    headers={"Retry-After": self.faults.retry_after, "RateLimit-Reason": "jira-burst-based"})
            expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"errorMessages": ["Client must be authenticated to access this resource."]}, 401)
            self.calls.append((request.method, request.url.path))
            return await call_next(request)

        def missing(key: str) -> JSONResponse:
            return JSONResponse({"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                                 "errors": {}}, 404)

        @app.post("/rest/api/3/search/jql")
        async def search(request: Request):
            try:
                body = SearchJql.model_validate(await request.json())
            except ValidationError as exc:
                return _refused(exc)
            found = sorted((i for i in self.issues.values() if self._matches(body.jql, i)), key=lambda i: i["fields"]["created"])
            start = int(body.nextPageToken or 0)
            size = min(body.maxResults, PAGE)
            last = start + size >= len(found)
            return {"issues": found[start:start + size], "isLast": last, **({} if last else {"nextPageToken": str(start + size)})}

        @app.get("/rest/api/3/issue/{key}")
        async def get_issue(key: str):
            return self.issues[key] if key in self.issues else missing(key)

        @app.get("/rest/servicedeskapi/request/{key}/comment")
        async def comments(key: str, start: int = 0, limit: int = 50):
            if key not in self.issues:
                return missing(key)
            values = self.comments[key][start:start + min(limit, PAGE)]
            return {"size": len(values), "start": start, "limit": limit,
                    "isLastPage": start + len(values) >= len(self.comments[key]), "values": values}

        @app.post("/rest/servicedeskapi/request/{key}/comment")
        async def add_comment(key: str, request: Request):
            if key not in self.issues:
                return JSONResponse({"errorMessage": "The request could not be found."}, 404)
            try:
                body = RequestComment.model_validate(await request.json())
            except ValidationError as exc:
                return _refused(exc)
            comment = {"id": str(next(self.ids)), "body": body.body, "public": body.public}
            self.comments[key].append(comment)
            return JSONResponse(comment, 201)

        @app.get("/rest/api/3/issue/{key}/transitions")
        async def transitions(key: str):
            if key not in self.issues:
                return missing(key)
            current = self.issues[key]["fields"]["status"]["name"]
            return {"transitions": [{"id": i, "name": n, "to": {"name": to}} for i, n, to in TRANSITIONS if to != current]}

        @app.post("/rest/api/3/issue/{key}/transitions")
        async def do_transition(key: str, request: Request):
            if key not in self.issues:
                return missing(key)
            try:
                tid = DoTransition.model_validate(await request.json()).transition.id
            except ValidationError as exc:
                return _refused(exc)
            target = next((to for i, _, to in TRANSITIONS if i == tid), None)
            if target is None:
                return JSONResponse({"errorMessages": [f"Transition id '{tid}' is not valid for this issue."], "errors": {}}, 400)
            self.issues[key]["fields"]["status"] = self._status(target)
            self.transitioned.append((key, target))
            return Response(status_code=204)

        @app.put("/rest/api/3/issue/{key}/assignee")
        async def assign(key: str, request: Request):
            if key not in self.issues:
                return missing(key)
            try:
                account = Assignee.model_validate(await request.json()).accountId
            except ValidationError as exc:
                return _refused(exc)
            self.issues[key]["fields"]["assignee"] = {"accountId": account} if account else None
            return Response(status_code=204)

        return app
