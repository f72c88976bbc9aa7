"""Zendesk Support: `email/token` basic auth; tickets for the AI found with the search API, the
requester's tickets with their comments, private comments and status/group updates on the ticket."""

from __future__ import annotations

from typing import Any

import httpx

from concierge.schemas import Customer, Ticket
from concierge.settings import Settings
from concierge.tools.helpdesk.base import Resolution
from concierge.tools.helpdesk.http import HelpdeskHttp, HttpConnector, marker_for
from concierge.tools.outbound import Policy

OPEN = ("new", "open", "pending")


def _explain(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('title', '')} {error.get('message', '')}".strip()
    details = body.get("details")
    return " ".join(str(p) for p in (error, body.get("description"), details) if p) or response.text[:300]


class ZendeskHelpdesk(HttpConnector):
    name = "zendesk"
    retry_safe = True  # add_note looks for its marker among the ticket's comments before writing

    def __init__(self, settings: Settings) -> None:
        if not (settings.zendesk_email and settings.zendesk_api_token and (settings.zendesk_subdomain or settings.zendesk_base_url)):
            raise ValueError("HELPDESK=zendesk needs ZENDESK_SUBDOMAIN (or ZENDESK_BASE_URL), ZENDESK_EMAIL and ZENDESK_API_TOKEN")
        if not (settings.zendesk_ai_group_id or settings.zendesk_ai_assignee_id):
            raise ValueError("HELPDESK=zendesk needs ZENDESK_AI_GROUP_ID or ZENDESK_AI_ASSIGNEE_ID: which tickets are the AI's")
        self.settings = settings
        self.base_url = settings.zendesk_base_url or f"https://{settings.zendesk_subdomain}.zendesk.com/api/v2"
        self.ai_group = settings.zendesk_ai_group_id
        self.ai_assignee = settings.zendesk_ai_assignee_id
        self.status_processing = settings.helpdesk_status_processing or "open"
        self.status_resolved = settings.helpdesk_status_resolved or "solved"
        self.status_human = settings.helpdesk_status_human or "open"
        self._users: dict[str, Customer] = {}
        self._raw: dict[str, dict[str, Any]] = {}

    async def open(self) -> None:
        s = self.settings
        assert s.zendesk_api_token is not None  # __init__ refuses settings without it
        self._http = HelpdeskHttp(
            "Zendesk", self.base_url, auth=httpx.BasicAuth(f"{s.zendesk_email}/token", s.zendesk_api_token.get_secret_value()),
            explain=_explain, max_attempts=s.helpdesk_max_attempts, max_wait_s=s.helpdesk_max_wait_s, policy=Policy.provider(s),
        )

    # --- reading -------------------------------------------------------------------------------------
    async def _pages(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item across pages: cursor (`meta.has_more` + `links.next`) or offset (`next_page`)."""
        items: list[dict[str, Any]] = []
        url: str | None = path
        while url:
            body = await self.http.json("GET", url, params=params)
            params = None  # the next links carry the query
            items.extend(body.get(key, []))
            if body.get("meta", {}).get("has_more"):
                url = body.get("links", {}).get("next")
            else:
                url = body.get("next_page")
        return items

    async def _customer(self, user_id: Any) -> Customer:
        key = str(user_id)
        if key not in self._users:
            user = (await self.http.json("GET", f"/users/{key}.json"))["user"]
            self._users[key] = Customer(id=key, name=user.get("name") or user.get("email") or key, email=user.get("email") or "")
        return self._users[key]

    async def _ticket(self, raw: dict[str, Any], *, with_comments: bool = False) -> Ticket:
        self._raw[str(raw["id"])] = raw
        body = raw.get("description") or ""
        if with_comments:
            comments = await self._pages(f"/tickets/{raw['id']}/comments.json", "comments", {"sort_order": "asc"})
            if len(comments) > 1:
                body = "\n\n---\n".join(c.get("plain_body") or c.get("body", "") for c in comments)
        assignee = raw.get("assignee_id") or raw.get("group_id")
        return Ticket(
            id=str(raw["id"]), helpdesk=self.name, subject=raw.get("subject") or "", body=body,
            customer=await self._customer(raw["requester_id"]), status=raw.get("status") or "open",
            assignee=str(assignee) if assignee is not None else None, priority=raw.get("priority") or "normal",
            created_at=raw.get("created_at") or "",
        )

    async def list_assigned_tickets(self) -> list[Ticket]:
        # `group:` / `assignee:` are the documented keywords (they take a name or an id). The export
        # endpoint pages by cursor with no cap; /search.json stops at 1,000 results (422 past them).
        who = f"group:{self.ai_group}" if self.ai_group else f"assignee:{self.ai_assignee}"
        results = await self._pages("/search/export", "results", {
            "query": f"status<solved {who}", "filter[type]": "ticket", "page[size]": 100,
        })
        tickets = [await self._ticket(r) for r in results if r.get("result_type", "ticket") == "ticket"]
        tickets.sort(key=lambda t: t.created_at)  # the export is unordered
        return [t for t in tickets if self.unassigned_reason(t) is None]  # the index lags behind edits

    async def get_ticket(self, ticket_id: str) -> Ticket:
        raw = (await self.http.json("GET", f"/tickets/{ticket_id}.json", not_found=f"Zendesk has no ticket {ticket_id}"))["ticket"]
        return await self._ticket(raw)

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        requested = await self._pages(f"/users/{ticket.customer.id}/tickets/requested.json", "tickets", {"page[size]": 100})
        others = [r for r in requested if str(r["id"]) != ticket.id]
        history = [await self._ticket(r, with_comments=True) for r in others]
        return sorted(history, key=lambda t: t.created_at)

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        raw = self._raw.get(ticket.id, {})
        if ticket.status not in OPEN:
            return f"Zendesk ticket {ticket.id} is {ticket.status}"
        if self.ai_group and str(raw.get("group_id")) != self.ai_group:
            return f"Zendesk ticket {ticket.id} is in group {raw.get('group_id')}, not the AI group {self.ai_group}"
        if self.ai_assignee and str(raw.get("assignee_id")) != self.ai_assignee:
            return f"Zendesk ticket {ticket.id} is assigned to {raw.get('assignee_id')}, not the AI agent {self.ai_assignee}"
        return None

    # --- writing -------------------------------------------------------------------------------------
    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        if idempotency_key:
            marker = marker_for(idempotency_key)
            for comment in await self._pages(f"/tickets/{ticket_id}/comments.json", "comments", {"sort_order": "asc"}):
                if marker in (comment.get("body") or ""):
                    return str(comment["id"])
            body = f"{body}\n\n[{marker}]"
        result = await self.http.json(
            "PUT", f"/tickets/{ticket_id}.json", json={"ticket": {"comment": {"body": body, "public": False}}},
            not_found=f"Zendesk has no ticket {ticket_id}",
        )
        events = result.get("audit", {}).get("events", [])
        return next((str(e["id"]) for e in events if e.get("type") == "Comment"), str(result.get("audit", {}).get("id", "")))

    async def mark_processing(self, ticket_id: str) -> None:
        await self.http.json("PUT", f"/tickets/{ticket_id}.json", json={"ticket": {"status": self.status_processing}},
                             not_found=f"Zendesk has no ticket {ticket_id}")

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        if resolution in ("resolved", "closed"):
            update: dict[str, Any] = {"status": self.status_resolved}
        else:  # back to the people: the human group, nobody assigned yet
            update = {"status": self.status_human, "assignee_id": None}
            if self.settings.zendesk_human_group_id:
                update["group_id"] = int(self.settings.zendesk_human_group_id)
        await self.http.json("PUT", f"/tickets/{ticket_id}.json", json={"ticket": update},
                             not_found=f"Zendesk has no ticket {ticket_id}")
