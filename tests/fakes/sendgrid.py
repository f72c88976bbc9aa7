"""A local stand-in for SendGrid's v3 Mail Send API, served over real HTTP, following its contract.

`POST /v3/mail/send`: `Authorization: Bearer <key>` (401 otherwise), body validated (personalizations
with `to`, from.email, subject, content with text/plain before text/html; 400 with
`{"errors": [{"message", "field", "help"}]}`), 202 with an empty body and `X-Message-Id`.
`rate_limit_first` answers the first N sends with 429 and `Retry-After`; `fail_first_5xx` with 500.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.serving import serve_app


def _errors(status: int, message: str, field_: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "field": field_, "help": None}]}, status_code=status, headers=headers)


def _problem(body: dict[str, Any]) -> tuple[str, str] | None:
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not personalizations:
        return "The personalizations field is required and must have at least one personalization.", "personalizations"
    for p in personalizations:
        if not p.get("to") or not all(isinstance(t, dict) and "@" in t.get("email", "") for t in p["to"]):
            return "The to array is required for all personalization objects, and must have at least one email object with a valid email address.", "personalizations.0.to"
    if "@" not in (body.get("from") or {}).get("email", ""):
        return "The from object must be provided for every email send. It is an object that requires an email parameter.", "from.email"
    if not (body.get("subject") or all(p.get("subject") for p in personalizations)):
        return "The subject is required.", "subject"
    content = body.get("content") or []
    types = [c.get("type") for c in content]
    if not content or not all(c.get("value") for c in content):
        return "The content value must be a string at least one character in length.", "content.0.value"
    if "text/plain" in types and "text/html" in types and types.index("text/plain") > types.index("text/html"):
        return "If present, text/plain content must be first, followed by text/html.", "content"
    for name, value in (body.get("headers") or {}).items():
        if "\n" in str(value) or "\r" in str(value):
            return f"Invalid header {name}.", "headers"
    return None


@dataclass
class FakeSendGrid:
    api_key: str = "SG.test_key"
    rate_limit_first: int = 0
    fail_first_5xx: int = 0
    retry_after: str = "0"
    bounce_addresses: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)  # {"id", "body"}
    attempts: int = 0
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3/mail/send")
        async def send(request: Request) -> Response:
            self.attempts += 1
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _errors(401, "The provided authorization grant is invalid, expired, or revoked")
            if self.attempts <= self.rate_limit_first:
                return _errors(429, "too many requests", headers={"Retry-After": self.retry_after})
            if self.attempts <= self.rate_limit_first + self.fail_first_5xx:
                return _errors(500, "internal error")
            body = await request.json()
            if (problem := _problem(body)) is not None:
                return _errors(400, *problem)
            if any(t["email"] in self.bounce_addresses for p in body["personalizations"] for t in p["to"]):
                return _errors(400, "Does not contain a valid address.", "personalizations.0.to.0.email")
            record = {"id": uuid.uuid4().hex[:22], "body": body}
            self.sent.append(record)
            return Response(status_code=202, headers={"X-Message-Id": record["id"]})

        return app


@contextmanager
def serve_fake_sendgrid(fake: FakeSendGrid | None = None) -> Iterator[FakeSendGrid]:
    fake = fake or FakeSendGrid()
    with serve_app(fake.app(), "fake-sendgrid") as url:
        fake.url = url
        yield fake
