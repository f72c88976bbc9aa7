"""A local stand-in for Resend's HTTP API, served over real HTTP, following its documented contract.

- `POST /emails`: `Authorization: Bearer <key>` (401 missing_api_key / 403 invalid_api_key), body
  validated against the `resend` SDK's own `Emails.SendParams` (its keys and their types; any other
  key, or a missing from, to, subject, text or html, is 422 validation_error), `Idempotency-Key`
  honoured (the same key returns the same id and sends nothing new; the same key with another body
  is 409). `rate_limit_first` answers the first N sends with 429 and `retry-after`. Bad recipients
  (`bounce_addresses`) answer 422.
- `rewrite_message_id`: the email goes out with a Message-ID of SES's making instead of the one in
  `headers`, as sending through SES can do; the id delivered is in each `sent` record.
- `GET /emails/{id}`: a sent email in the SDK's `Email` shape, `message_id` the one delivered
  (`None` while `report_message_id` is off); `event(record)` is the webhook event of a sent email
  (`email.sent` by default) in the SDK's `BaseEmailEventData` shape.
- `GET /emails/receiving/{id}`: an inbound email stored in `received` (404 not_found otherwise).
- `GET /domains`: the account's `domains` (`{"object": "list", "has_more", "data": [Domain]}`, the
  SDK's `Domains.ListResponse`), cursor-paged by `limit` (1-100) and `after`; another query
  parameter is refused (422). A sending-only key (`sending_only`) may not read them: 401
  `restricted_api_key` [U: the name Resend answers with].
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from resend import BaseEmailEventData, Email, Emails

from tests.fakes.serving import serve_app

SEND_PARAMS = TypeAdapter(Emails.SendParams)
SEND_KEYS = Emails.SendParams.__required_keys__ | Emails.SendParams.__optional_keys__


def _refused(body: object) -> str | None:
    """Why the SDK's SendParams would not hold this body (unknown keys first), or None."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if unknown := sorted(set(body) - SEND_KEYS):
        return f"Invalid field(s): {', '.join(unknown)}."
    try:
        SEND_PARAMS.validate_python(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        return f"Invalid `{'.'.join(str(x) for x in first['loc'])}` field: {first['msg']}."
    return None


def _error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"statusCode": status, "name": name, "message": message}, status_code=status, headers=headers)


@dataclass
class FakeResend:
    api_key: str = "re_test_key"
    rate_limit_first: int = 0  # answer this many sends with 429 before accepting
    retry_after: str = "0"
    bounce_addresses: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted emails: {"id", "body", "idempotency_key"}
    attempts: int = 0
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # inbound emails by id
    fetches: int = 0  # GET /emails/receiving/{id} requests seen
    rewrite_message_id: bool = False
    report_message_id: bool = True  # GET /emails/{id} tells the delivered Message-ID
    sending_only: bool = False  # the key has "sending access", not "full access"
    domains: list[dict[str, Any]] = field(default_factory=lambda: [listed_domain("concierge.example.com", "verified")])
    url: str = ""
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _auth(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return _error(401, "missing_api_key", "Missing API key in the authorization header.")
        if header.removeprefix("Bearer ") != self.api_key:
            return _error(403, "invalid_api_key", "API key is invalid.")
        return None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/emails")
        async def send(request: Request) -> JSONResponse:
            self.attempts += 1
            if (denied := self._auth(request)) is not None:
                return denied
            if self.attempts <= self.rate_limit_first:
                return _error(429, "rate_limit_exceeded", "Too many requests.", {"retry-after": self.retry_after})
            body = await request.json()
            if (refused := _refused(body)) is not None:
                return _error(422, "validation_error", refused)
            for name in ("from", "to", "subject"):
                if not body.get(name):
                    return _error(422, "missing_required_field", f"Missing `{name}` field.")
            if not (body.get("text") or body.get("html")):
                return _error(422, "validation_error", "Missing `html` or `text` field.")
            if not isinstance(body["to"], list) or any(a in self.bounce_addresses for a in body["to"]):
                return _error(422, "validation_error", f"Invalid `to` field: {body['to']}")
            headers = body.get("headers") or {}
            if not isinstance(headers, dict) or any("\n" in str(v) or "\r" in str(v) for v in headers.values()):
                return _error(422, "validation_error", "Invalid `headers` field.")
            key = request.headers.get("idempotency-key")
            if key and key in self._by_key:
                earlier = self._by_key[key]
                if earlier["body"] != body:
                    return _error(409, "invalid_idempotent_request", "Same idempotency key used with a different payload.")
                return JSONResponse({"id": earlier["id"]})
            ours = (body.get("headers") or {}).get("Message-ID")
            delivered = f"<{uuid.uuid4().hex}-000000@email.amazonses.com>" if self.rewrite_message_id or not ours else ours
            record = {"id": str(uuid.uuid4()), "body": body, "idempotency_key": key, "message_id": delivered,
                      "created_at": datetime.now(UTC).isoformat()}
            self.sent.append(record)
            if key:
                self._by_key[key] = record
            return JSONResponse({"id": record["id"]})

        @app.get("/emails/{email_id}")
        async def retrieve(email_id: str, request: Request) -> JSONResponse:
            if (denied := self._auth(request)) is not None:
                return denied
            record = next((r for r in self.sent if r["id"] == email_id), None)
            if record is None:
                return _error(404, "not_found", "Email not found.")
            body = record["body"]
            email: Email = {  # type: ignore[typeddict-item]
                "id": record["id"], "message_id": record["message_id"] if self.report_message_id else None,
                "from": body["from"], "to": body["to"], "created_at": record["created_at"], "subject": body["subject"],
                "html": body.get("html"), "text": body.get("text"), "bcc": body.get("bcc") or [], "cc": body.get("cc") or [],
                "reply_to": body.get("reply_to") or [], "last_event": "delivered",
            }
            return JSONResponse({"object": "email", **email})

        @app.get("/domains")
        async def domains(request: Request) -> JSONResponse:
            if (denied := self._auth(request)) is not None:
                return denied
            if self.sending_only:
                return _error(401, "restricted_api_key", "This API key is restricted to only send emails")
            unknown = sorted(set(request.query_params) - {"limit", "after", "before"})
            if unknown:
                return _error(422, "validation_error", f"Unknown query parameter: {', '.join(unknown)}")
            try:
                limit = int(request.query_params.get("limit", 20))
            except ValueError:
                limit = 0
            if not 1 <= limit <= 100:
                return _error(422, "validation_error", "The `limit` parameter must be between 1 and 100.")
            ids = [d["id"] for d in self.domains]
            after = request.query_params.get("after")
            start = ids.index(after) + 1 if after in ids else 0
            page = self.domains[start:start + limit]
            return JSONResponse({"object": "list", "has_more": start + limit < len(self.domains), "data": page})

        @app.get("/emails/receiving/{email_id}")
        async def received(email_id: str, request: Request) -> JSONResponse:
            self.fetches += 1
            if (denied := self._auth(request)) is not None:
                return denied
            if email_id not in self.received:
                return _error(404, "not_found", "Email not found.")
            return JSONResponse({"object": "email", "id": email_id, **self.received[email_id]})

        return app

    def event(self, record: dict[str, Any], kind: str = "email.sent") -> dict[str, Any]:
        """The webhook event Resend posts about a sent email."""
        body = record["body"]
        data: BaseEmailEventData = {  # type: ignore[typeddict-item]
            "created_at": record["created_at"], "email_id": record["id"], "message_id": record["message_id"],
            "from": body["from"], "to": body["to"], "subject": body["subject"],
        }
        return {"type": kind, "created_at": datetime.now(UTC).isoformat(), "data": data}


def listed_domain(name: str, status: str) -> dict[str, Any]:
    """A domain as `GET /domains` lists it (status: not_started, pending, verified, failed, temporary_failure)."""
    return {"id": str(uuid.uuid4()), "name": name, "status": status, "created_at": "2026-01-05T10:00:00.000Z",
            "region": "us-east-1", "capabilities": {"sending": "enabled", "receiving": "disabled"}}


@contextmanager
def serve_fake_resend(fake: FakeResend | None = None) -> Iterator[FakeResend]:
    fake = fake or FakeResend()
    with serve_app(fake.app(), "fake-resend") as url:
        fake.url = url
        yield fake
