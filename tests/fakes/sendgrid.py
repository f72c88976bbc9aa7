"""A local stand-in for SendGrid's v3 Mail Send API, served over real HTTP, following its contract.

`POST /v3/mail/send`: `Authorization: Bearer <key>` (401 otherwise), body validated (personalizations
with `to`, from.email, subject, content with text/plain before text/html; 400 with
`{"errors": [{"message", "field", "help"}]}`), 202 with an empty body and `X-Message-Id`.
The body must also be what the `sendgrid` SDK's `Mail` helper writes: it is rebuilt with the helper
from the fields it knows, and any other field, or a body the helper would write otherwise, is 400.
`rate_limit_first` answers the first N sends with 429 and `Retry-After`; `fail_first_5xx` with 500.

`rewrite_message_id` sends with a Message-ID of SendGrid's making (`<…@geopod-ismtpd-…>`) instead of
the one in `headers`; `events(record)` are the Event Webhook's `processed` and `delivered` events of
a sent email (`smtp-id`, `sg_message_id` starting with the X-Message-Id, the custom args as keys),
and `signed(events)` the body and headers of the Signed Event Webhook (ECDSA P-256 over timestamp +
body, `public_key` the base64 DER key SendGrid shows).

`GET /v3/scopes` answers the key's `scopes` (`{"scopes": [...]}`); `GET /v3/whitelabel/domains`
(List all authenticated domains: `limit`, `offset`, `exclude_subusers`, `username`, `domain`; any other
query parameter is refused with 400) the account's `domains`, and 403 "access forbidden" to a key
without `whitelabel.read`.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sendgrid.helpers.mail import Content, CustomArg, From, Header, Mail, Personalization, ReplyTo, To

from tests.fakes.serving import serve_app

# The v3 Mail Send body's fields (twilio.com/docs/sendgrid/api-reference/mail-send/mail-send); the
# helper below rebuilds the ones Concierge can send, the others are refused by name.
MAIL_FIELDS = {"personalizations", "from", "reply_to", "reply_to_list", "subject", "content", "attachments", "template_id",
               "headers", "categories", "custom_args", "send_at", "batch_id", "asm", "ip_pool_name", "mail_settings",
               "tracking_settings"}
PERSONALIZATION_FIELDS = {"to", "cc", "bcc", "from", "subject", "headers", "substitutions", "dynamic_template_data",
                          "custom_args", "send_at"}
REBUILT = {"personalizations", "from", "reply_to", "subject", "content", "headers", "custom_args"}


def _address(value: dict[str, Any], kind):
    if set(value) - {"email", "name"}:
        raise ValueError(f"unknown field(s) {sorted(set(value) - {'email', 'name'})}")
    return kind(value["email"], value.get("name"))


def _rebuilt(body: dict[str, Any]) -> tuple[str, str] | None:
    """Why the SDK's Mail helper would not write this body (message, field), or None."""
    if unknown := sorted(set(body) - MAIL_FIELDS):
        return f"Unknown field(s): {', '.join(unknown)}.", unknown[0]
    if other := sorted(set(body) - REBUILT):
        return f"Not supported by this fake: {', '.join(other)}.", other[0]
    mail = Mail()
    try:
        mail.from_email = _address(body.get("from") or {}, From)
        for i, p in enumerate(body.get("personalizations") or []):
            if unknown := sorted(set(p) - PERSONALIZATION_FIELDS):
                return f"Unknown field(s): {', '.join(unknown)}.", f"personalizations.{i}.{unknown[0]}"
            personalization = Personalization()
            for to in p.get("to") or []:
                personalization.add_to(_address(to, To))
            if "subject" in p:
                personalization.subject = p["subject"]
            mail.add_personalization(personalization)
        for part in body.get("content") or []:
            mail.add_content(Content(part["type"], part["value"]))
        for name, value in (body.get("headers") or {}).items():
            mail.add_header(Header(name, value))
        for name, value in (body.get("custom_args") or {}).items():
            mail.add_custom_arg(CustomArg(name, value))
        if "reply_to" in body:
            mail.reply_to = _address(body["reply_to"], ReplyTo)
        if "subject" in body:
            mail.subject = body["subject"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"The request body is not a valid mail send request: {exc}", None
    if mail.get() != body:
        return "The request body is not one the mail helper writes (field order or shape).", None
    return None


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
    sent: list[dict[str, Any]] = field(default_factory=list)  # {"id", "body", "message_id"}
    attempts: int = 0
    rewrite_message_id: bool = False
    scopes: list[str] = field(default_factory=lambda: ["mail.send", "whitelabel.read"])
    domains: list[dict[str, Any]] = field(default_factory=lambda: [authenticated_domain("concierge.example.com", valid=True)])
    url: str = ""
    event_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def public_key(self) -> str:
        der = self.event_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def events(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """What the Event Webhook posts once the email was processed and delivered."""
        to = record["body"]["personalizations"][0]["to"][0]["email"]
        base = {"email": to, "timestamp": int(time.time()), "smtp-id": record["message_id"],
                "sg_message_id": f"{record['id']}.recvd-5f9ffdf494-9kc6l-1-673C6EB0-B.0", **record["body"].get("custom_args", {})}
        return [{**base, "event": "processed", "sg_event_id": uuid.uuid4().hex},
                {**base, "event": "delivered", "sg_event_id": uuid.uuid4().hex, "response": "250 OK", "tls": 1}]

    def signed(self, events: list[dict[str, Any]], *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(events).encode()
        t = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.event_key.sign(t.encode() + body, ec.ECDSA(hashes.SHA256()))
        return body, {"Content-Type": "application/json", "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                      "X-Twilio-Email-Event-Webhook-Timestamp": t}

    def app(self) -> FastAPI:
        app = FastAPI()

        def unauthorized(request: Request) -> JSONResponse | None:
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _errors(401, "authorization required")
            return None

        @app.get("/v3/scopes")
        async def scopes(request: Request) -> Response:
            return unauthorized(request) or JSONResponse({"scopes": self.scopes})

        @app.get("/v3/whitelabel/domains")
        async def domains(request: Request) -> Response:
            if (denied := unauthorized(request)) is not None:
                return denied
            if "whitelabel.read" not in self.scopes:
                return _errors(403, "access forbidden")
            unknown = sorted(set(request.query_params) - {"limit", "offset", "exclude_subusers", "username", "domain"})
            if unknown:
                return _errors(400, f"unknown query parameter {unknown[0]}", unknown[0])
            limit, offset = int(request.query_params.get("limit", 50)), int(request.query_params.get("offset", 0))
            wanted = request.query_params.get("domain")
            found = [d for d in self.domains if not wanted or d["domain"] == wanted]
            return JSONResponse(found[offset:offset + limit])

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
            if (problem := _problem(body)) is not None or (problem := _rebuilt(body)) is not None:
                return _errors(400, *problem)
            if any(t["email"] in self.bounce_addresses for p in body["personalizations"] for t in p["to"]):
                return _errors(400, "Does not contain a valid address.", "personalizations.0.to.0.email")
            ours = (body.get("headers") or {}).get("Message-ID")
            delivered = f"<{uuid.uuid4().hex[:22]}@geopod-ismtpd-7>" if self.rewrite_message_id or not ours else ours
            record = {"id": uuid.uuid4().hex[:22], "body": body, "message_id": delivered}
            self.sent.append(record)
            return Response(status_code=202, headers={"X-Message-Id": record["id"]})

        return app


def authenticated_domain(domain: str, *, valid: bool) -> dict[str, Any]:
    """An authenticated domain as SendGrid lists it (Domain Authentication, formerly "whitelabel")."""
    return {"id": 1, "user_id": 7, "subdomain": "em1234", "domain": domain, "username": "wayfarer", "ips": [],
            "custom_spf": False, "default": True, "legacy": False, "automatic_security": True, "valid": valid,
            "dns": {"mail_cname": {"valid": valid, "type": "cname", "host": f"em1234.{domain}", "data": "u7.wl.sendgrid.net"}}}


@contextmanager
def serve_fake_sendgrid(fake: FakeSendGrid | None = None) -> Iterator[FakeSendGrid]:
    fake = fake or FakeSendGrid()
    with serve_app(fake.app(), "fake-sendgrid") as url:
        fake.url = url
        yield fake
