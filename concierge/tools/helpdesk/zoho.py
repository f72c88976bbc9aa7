"""Zoho Desk: OAuth access tokens from a refresh token (renewed when they expire), the `orgId` header,
the data centre chosen by domain; the AI agent's open tickets, the contact's other tickets with their
threads, private comments, and status/team updates."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from concierge.schemas import Customer, Ticket
from concierge.settings import Settings
from concierge.tools.helpdesk.base import Resolution
from concierge.tools.helpdesk.http import HelpdeskError, HelpdeskHttp, HttpConnector, marker_for
from concierge.tools.outbound import Policy, guarded_client

PAGE = 50


def _explain(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return " — ".join(str(p) for p in (body.get("errorCode"), body.get("message")) if p) or response.text[:300]


class ZohoOAuth(httpx.Auth):
    """`Zoho-oauthtoken` from the refresh-token grant; a 401 renews the access token once."""

    def __init__(self, accounts_url: str, client_id: str, client_secret: str, refresh_token: str, *,
                 policy: Policy = Policy()) -> None:
        self.accounts_url = accounts_url.rstrip("/")
        self.policy = policy
        self.form = {"refresh_token": refresh_token, "client_id": client_id, "client_secret": client_secret,
                     "grant_type": "refresh_token"}
        self.token: str | None = None
        self._lock = asyncio.Lock()

    async def refresh(self, stale: str | None) -> None:
        async with self._lock:
            if self.token != stale:  # another request already renewed it
                return
            async with guarded_client(self.policy, timeout=30) as client:
                response = await client.post(f"{self.accounts_url}/oauth/v2/token", data=self.form)
            body = response.json() if response.content else {}
            if response.status_code != 200 or "access_token" not in body:
                raise HelpdeskError(f"Zoho Accounts refused the refresh token ({body.get('error') or response.status_code}): "
                                    "check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and that ZOHO_DOMAIN "
                                    "is the data centre the client was registered in", response.status_code)
            self.token = body["access_token"]

    async def async_auth_flow(self, request: httpx.Request):
        if self.token is None:
            await self.refresh(None)
        used = self.token
        request.headers["Authorization"] = f"Zoho-oauthtoken {used}"
        response = yield request
        if response.status_code == 401:
            await self.refresh(used)
            request.headers["Authorization"] = f"Zoho-oauthtoken {self.token}"
            yield request


class ZohoHelpdesk(HttpConnector):
    name = "zoho"
    retry_safe = True  # add_note looks for its marker among the ticket's comments before writing

    def __init__(self, settings: Settings) -> None:
        missing = [n for n, v in (("ZOHO_ORG_ID", settings.zoho_org_id), ("ZOHO_CLIENT_ID", settings.zoho_client_id),
                                  ("ZOHO_CLIENT_SECRET", settings.zoho_client_secret),
                                  ("ZOHO_REFRESH_TOKEN", settings.zoho_refresh_token),
                                  ("ZOHO_AI_AGENT_ID", settings.zoho_ai_agent_id)) if not v]
        if missing:
            raise ValueError("HELPDESK=zoho needs " + ", ".join(missing))
        self.settings = settings
        self.base_url = settings.zoho_base_url or f"https://desk.zoho.{settings.zoho_domain}/api/v1"
        self.accounts_url = settings.zoho_accounts_url or f"https://accounts.zoho.{settings.zoho_domain}"
        self.ai = settings.zoho_ai_agent_id
        self.status_processing = settings.helpdesk_status_processing or "Open"
        self.status_resolved = settings.helpdesk_status_resolved or "Closed"
        self.status_human = settings.helpdesk_status_human or "Escalated"
        self._raw: dict[str, dict[str, Any]] = {}

    async def open(self) -> None:
        s = self.settings
        assert s.zoho_org_id and s.zoho_client_id and s.zoho_client_secret and s.zoho_refresh_token  # __init__ refuses settings without them
        auth = ZohoOAuth(self.accounts_url, s.zoho_client_id, s.zoho_client_secret.get_secret_value(),
                         s.zoho_refresh_token.get_secret_value(), policy=Policy.provider(s))
        self._http = HelpdeskHttp("Zoho Desk", self.base_url, auth=auth, headers={"orgId": s.zoho_org_id}, explain=_explain,
                                 max_attempts=s.helpdesk_max_attempts, max_wait_s=s.helpdesk_max_wait_s, policy=Policy.provider(s))

    # --- reading -------------------------------------------------------------------------------------
    async def _pages(self, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of a `from`/`limit` list (an empty list may come back as 204 with no body)."""
        items: list[dict[str, Any]] = []
        start = 0
        while True:
            body = await self.http.json("GET", path, params={**(params or {}), "from": start, "limit": PAGE}, **kwargs)
            data = body.get("data", []) if body else []
            items += data
            if len(data) < PAGE:
                return items
            start += len(data)

    def _ticket(self, raw: dict[str, Any], body: str | None = None) -> Ticket:
        self._raw[str(raw["id"])] = raw
        contact = raw.get("contact") or {}
        name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
        return Ticket(
            id=str(raw["id"]), helpdesk=self.name, subject=raw.get("subject") or "",
            body=body if body is not None else raw.get("description") or "",
            customer=Customer(id=str(raw.get("contactId") or contact.get("id") or ""), name=name or contact.get("email") or "",
                              email=contact.get("email") or raw.get("email") or ""),
            status=raw.get("status") or "", assignee=raw.get("assigneeId"),
            priority=(raw.get("priority") or "normal").lower(), created_at=raw.get("createdTime") or "",
        )

    async def list_assigned_tickets(self) -> list[Ticket]:
        rows = await self._pages("/tickets", {"assignee": self.ai, "status": "Open", "include": "contacts",
                                              "sortBy": "createdTime"})
        return [self._ticket(r) for r in rows]

    async def get_ticket(self, ticket_id: str) -> Ticket:
        raw = await self.http.json("GET", f"/tickets/{ticket_id}", params={"include": "contacts"},
                                   not_found=f"Zoho Desk has no ticket {ticket_id}")
        return self._ticket(raw)

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        if not ticket.customer.id:
            return []
        history = []
        # `include` here takes products, departments, team, isRead, assignee (not contacts: the contact is known).
        for raw in await self._pages(f"/contacts/{ticket.customer.id}/tickets"):
            if str(raw["id"]) == ticket.id:
                continue
            threads = await self._pages(f"/tickets/{raw['id']}/threads")
            conversation = [t.get("content") or t.get("summary") or "" for t in threads]
            earlier = self._ticket(raw, "\n\n---\n".join([raw.get("description") or "", *conversation]).strip())
            history.append(earlier.model_copy(update={"customer": ticket.customer}))
        return sorted(history, key=lambda t: t.created_at)

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        raw = self._raw.get(ticket.id, {})
        if raw.get("statusType") == "Closed" or ticket.status == self.status_resolved:
            return f"Zoho Desk ticket {ticket.id} is {ticket.status}"
        if ticket.assignee != self.ai:
            return f"Zoho Desk ticket {ticket.id} is assigned to {ticket.assignee or 'nobody'}, not the AI agent {self.ai}"
        return None

    # --- writing -------------------------------------------------------------------------------------
    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        if idempotency_key:
            marker = marker_for(idempotency_key)
            for comment in await self._pages(f"/tickets/{ticket_id}/comments", not_found=f"Zoho Desk has no ticket {ticket_id}"):
                if marker in (comment.get("content") or ""):
                    return str(comment["id"])
            body = f"{body}\n\n[{marker}]"
        comment = await self.http.json("POST", f"/tickets/{ticket_id}/comments", not_found=f"Zoho Desk has no ticket {ticket_id}",
                                       json={"isPublic": False, "contentType": "plainText", "content": body})
        return str(comment["id"])

    async def mark_processing(self, ticket_id: str) -> None:
        await self.http.json("PATCH", f"/tickets/{ticket_id}", json={"status": self.status_processing},
                             not_found=f"Zoho Desk has no ticket {ticket_id}")

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        if resolution in ("resolved", "closed"):
            update: dict[str, Any] = {"status": self.status_resolved}
        else:
            update = {"status": self.status_human, "assigneeId": None}
            if self.settings.zoho_human_team_id:
                update["teamId"] = self.settings.zoho_human_team_id
        await self.http.json("PATCH", f"/tickets/{ticket_id}", json=update, not_found=f"Zoho Desk has no ticket {ticket_id}")
