"""Jira Service Management (Cloud): account email + API token; the AI's requests found by JQL
(`/rest/api/3/search/jql`, token paging), the reporter's other requests with their comments,
internal comments through the service desk API, and transitions chosen by name among those the
issue offers now."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from concierge.schemas import Customer, Ticket
from concierge.settings import Settings
from concierge.tools.helpdesk.base import Resolution
from concierge.tools.helpdesk.http import HelpdeskError, HelpdeskHttp, HttpConnector, marker_for
from concierge.tools.outbound import Policy

logger = logging.getLogger(__name__)

FIELDS = ["summary", "description", "status", "reporter", "assignee", "priority", "created"]


def _explain(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    parts = list(body.get("errorMessages") or []) + [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
    if body.get("errorMessage"):
        parts.append(body["errorMessage"])
    return "; ".join(parts) or response.text[:300]


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format value (v3 descriptions), or the string as is."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if node.get("type") == "text":
        return node.get("text", "")
    inner = "".join(adf_text(child) for child in node.get("content", []))
    return inner + "\n" if node.get("type") in ("paragraph", "heading") else inner


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JiraHelpdesk(HttpConnector):
    name = "jira"
    retry_safe = True  # add_note looks for its marker among the request's comments before writing

    def __init__(self, settings: Settings) -> None:
        if not (settings.jira_base_url and settings.jira_email and settings.jira_api_token and settings.jira_ai_account_id):
            raise ValueError("HELPDESK=jira needs JIRA_BASE_URL, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_AI_ACCOUNT_ID")
        self.settings = settings
        self.ai = settings.jira_ai_account_id
        self.transitions = {
            "processing": settings.helpdesk_status_processing or "In Progress",
            "resolved": settings.helpdesk_status_resolved or "Resolved",
            "human": settings.helpdesk_status_human or "Escalated",
        }
        self._raw: dict[str, dict[str, Any]] = {}

    async def open(self) -> None:
        s = self.settings
        assert s.jira_base_url and s.jira_email and s.jira_api_token  # __init__ refuses settings without them
        self._http = HelpdeskHttp(
            "Jira", s.jira_base_url, auth=httpx.BasicAuth(s.jira_email, s.jira_api_token.get_secret_value()),
            headers={"Accept": "application/json"}, explain=_explain,
            max_attempts=s.helpdesk_max_attempts, max_wait_s=s.helpdesk_max_wait_s, policy=Policy.provider(s),
        )

    # --- reading -------------------------------------------------------------------------------------
    async def _search(self, jql: str) -> list[dict[str, Any]]:
        issues, token = [], None
        while True:
            body = await self.http.json("POST", "/rest/api/3/search/jql", json={
                "jql": jql, "fields": FIELDS, "maxResults": 50, **({"nextPageToken": token} if token else {}),
            })
            issues += body.get("issues", [])
            token = body.get("nextPageToken")
            if body.get("isLast", True) or not token:
                return issues

    async def _comments(self, key: str) -> list[dict[str, Any]]:
        comments, start = [], 0
        while True:
            body = await self.http.json("GET", f"/rest/servicedeskapi/request/{key}/comment",
                                        params={"public": "true", "internal": "true", "start": start, "limit": 50})
            values = body.get("values", [])
            comments += values
            if body.get("isLastPage", True) or not values:
                return comments
            start += len(values)

    def _ticket(self, raw: dict[str, Any], body: str | None = None) -> Ticket:
        self._raw[raw["key"]] = raw
        fields = raw.get("fields", {})
        reporter = fields.get("reporter") or {}
        return Ticket(
            id=raw["key"], helpdesk=self.name, subject=fields.get("summary") or "",
            body=body if body is not None else adf_text(fields.get("description")).strip(),
            customer=Customer(id=reporter.get("accountId", ""), name=reporter.get("displayName") or "",
                              email=reporter.get("emailAddress") or ""),
            status=(fields.get("status") or {}).get("name", ""),
            assignee=(fields.get("assignee") or {}).get("accountId"),
            priority=((fields.get("priority") or {}).get("name") or "normal").lower(), created_at=fields.get("created") or "",
        )

    def _project(self) -> str:
        return f"project = {_quote(self.settings.jira_project)} AND " if self.settings.jira_project else ""

    async def list_assigned_tickets(self) -> list[Ticket]:
        jql = f"{self._project()}assignee = {_quote(self.ai)} AND statusCategory != Done ORDER BY created ASC"
        return [self._ticket(raw) for raw in await self._search(jql)]

    async def get_ticket(self, ticket_id: str) -> Ticket:
        raw = await self.http.json("GET", f"/rest/api/3/issue/{ticket_id}", params={"fields": ",".join(FIELDS)},
                                   not_found=f"Jira has no issue {ticket_id} (or this account cannot see it)")
        return self._ticket(raw)

    async def customer_history(self, ticket: Ticket) -> list[Ticket]:
        if not ticket.customer.id:
            return []
        history = []
        for raw in await self._search(f"{self._project()}reporter = {_quote(ticket.customer.id)} ORDER BY created ASC"):
            if raw["key"] == ticket.id:
                continue
            described = adf_text(raw.get("fields", {}).get("description")).strip()
            comments = [c.get("body", "") for c in await self._comments(raw["key"]) if c.get("public", True)]
            history.append(self._ticket(raw, "\n\n---\n".join([described, *comments])))
        return history

    def unassigned_reason(self, ticket: Ticket) -> str | None:
        fields = self._raw.get(ticket.id, {}).get("fields", {})
        category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
        if category == "done":
            return f"Jira issue {ticket.id} is {ticket.status}"
        if ticket.assignee != self.ai:
            return f"Jira issue {ticket.id} is assigned to {ticket.assignee or 'nobody'}, not the AI account {self.ai}"
        return None

    # --- writing -------------------------------------------------------------------------------------
    async def add_note(self, ticket_id: str, body: str, *, idempotency_key: str | None = None) -> str:
        if idempotency_key:
            marker = marker_for(idempotency_key)
            for comment in await self._comments(ticket_id):
                if marker in (comment.get("body") or ""):
                    return str(comment["id"])
            body = f"{body}\n\n[{marker}]"
        comment = await self.http.json("POST", f"/rest/servicedeskapi/request/{ticket_id}/comment",
                                       json={"body": body, "public": False}, not_found=f"Jira has no request {ticket_id}")
        return str(comment["id"])

    async def transition(self, ticket_id: str, name: str) -> None:
        """Take the transition called `name` (or leading to the status called `name`) if the issue offers it."""
        offered = (await self.http.json("GET", f"/rest/api/3/issue/{ticket_id}/transitions",
                                        not_found=f"Jira has no issue {ticket_id}")).get("transitions", [])
        wanted = name.casefold()
        chosen = next((t for t in offered if t["name"].casefold() == wanted), None) or \
            next((t for t in offered if (t.get("to") or {}).get("name", "").casefold() == wanted), None)
        if chosen is None:
            if (self._raw.get(ticket_id, {}).get("fields", {}).get("status") or {}).get("name", "").casefold() == wanted:
                return  # already there
            raise HelpdeskError(f"Jira issue {ticket_id} offers no transition {name!r} now; it offers: "
                                + ", ".join(f"{t['name']!r} (to {(t.get('to') or {}).get('name')!r})" for t in offered))
        await self.http.request("POST", f"/rest/api/3/issue/{ticket_id}/transitions", json={"transition": {"id": chosen["id"]}})

    async def mark_processing(self, ticket_id: str) -> None:
        try:
            await self.transition(ticket_id, self.transitions["processing"])
        except HelpdeskError as exc:  # a workflow without that step: the ticket is still the AI's
            logger.info("Jira issue %s not marked as processing: %s", ticket_id, exc)

    async def set_resolution(self, ticket_id: str, resolution: Resolution, reason: str) -> None:
        await self.get_ticket(ticket_id)  # its current status, to tell "already there" from "not offered"
        if resolution in ("resolved", "closed"):
            await self.transition(ticket_id, self.transitions["resolved"])
            return
        await self.transition(ticket_id, self.transitions["human"])
        await self.http.request("PUT", f"/rest/api/3/issue/{ticket_id}/assignee",
                                json={"accountId": self.settings.jira_human_account_id})
