"""A local stand-in for Resend's HTTP API, served over real HTTP, following its documented contract.

- `POST /emails`: `Authorization: Bearer <key>` (401 missing_api_key / 403 invalid_api_key), body
  validated (from, to, subject, text or html; 422 validation_error), `Idempotency-Key` honoured (the
  same key returns the same id and sends nothing new; the same key with another body is 409).
  `rate_limit_first` answers the first N sends with 429 and `retry-after`. Bad recipients
  (`bounce_addresses`) answer 422.
- `GET /emails/receiving/{id}`: an inbound email stored in `received` (404 not_found otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.serving import serve_app


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
            record = {"id": str(uuid.uuid4()), "body": body, "idempotency_key": key}
            self.sent.append(record)
            if key:
                self._by_key[key] = record
            return JSONResponse({"id": record["id"]})

        @app.get("/emails/receiving/{email_id}")
        async def received(email_id: str, request: Request) -> JSONResponse:
            if (denied := self._auth(request)) is not None:
                return denied
            if email_id not in self.received:
                return _error(404, "not_found", "Email not found.")
            return JSONResponse({"object": "email", "id": email_id, **self.received[email_id]})

        return app


@contextmanager
def serve_fake_resend(fake: FakeResend | None = None) -> Iterator[FakeResend]:
    fake = fake or FakeResend()
    with serve_app(fake.app(), "fake-resend") as url:
        fake.url = url
        yield fake
