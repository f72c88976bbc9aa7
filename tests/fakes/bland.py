"""A local stand-in for Bland's call API and its signed post-call webhook, over real HTTP.

`POST /v1/calls` checks the raw `authorization` key, answers the scripted failures first (429 with
Retry-After, 500), validates the body as Bland documents it (`SendCall` below: Bland has no Python SDK,
so the model is written from its reference page, and any property it does not name is refused with
400) and queues the call. `report` builds the
call-details object Bland posts to the call's `webhook`, signed with `X-Webhook-Signature`
(hex HMAC-SHA256 of the body; `reserialize=True` signs `JSON.stringify(body)` as Bland's example does).
`GET /v1/me` answers the account details (docs.bland.ai/api-v1/get/me: status, billing, total_calls).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from tests.fakes.serving import serve_app

E164 = Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoicemailSms(_Strict):
    """`voicemail.sms`: a text sent after the voicemail. https://docs.bland.ai/api-v1/post/calls"""

    to: E164
    from_: E164 = Field(alias="from")
    message: str


class Voicemail(_Strict):
    """`voicemail`: what the agent does on reaching voicemail (supersedes the flat `voicemail_message` /
    `voicemail_action`). https://docs.bland.ai/api-v1/post/calls"""

    message: str | None = None
    action: Literal["leave_message", "hangup", "ignore"] = "hangup"
    sms: VoicemailSms | None = None
    sensitive: bool | None = None


class SendCall(_Strict):
    """The `POST /v1/calls` body, as Bland's "Send Call" reference documents it:
    https://docs.bland.ai/api-v1/post/calls (the fields Concierge sends are typed; the others are listed
    so a documented field is never refused, and anything else is)."""

    phone_number: E164
    task: str | None = None
    pathway_id: str | None = None
    pathway_version: int | None = None
    start_node_id: str | None = None
    persona_id: str | None = None
    voice: str | None = None
    background_track: str | None = None
    first_sentence: str | None = None
    wait_for_greeting: bool | None = None
    block_interruptions: bool | None = None
    interruption_threshold: int | None = None
    model: str | None = None
    temperature: float | None = None
    keywords: list[str] | None = None
    pronunciation_guide: list[dict[str, Any]] | None = None
    transfer_phone_number: E164 | None = None
    transfer_list: dict[str, str] | None = None
    language: str | None = None
    timezone: str | None = None
    request_data: dict[str, Any] | None = None
    tools: list[Any] | None = None
    dynamic_data: list[dict[str, Any]] | None = None
    start_time: str | None = None
    voicemail: Voicemail | None = None
    retry: dict[str, Any] | None = None
    max_duration: float | None = Field(None, gt=0, description="minutes")
    record: bool | None = None
    from_: E164 | None = Field(None, alias="from")
    webhook: HttpUrl | None = None
    webhook_events: list[str] | None = None
    metadata: dict[str, Any] | None = None
    summary_prompt: str | None = None
    analysis_prompt: str | None = None
    analysis_schema: dict[str, str] | None = None  # each output key -> a type or format hint
    answered_by_enabled: bool | None = None


def validate_send_call(body: Any) -> list[str]:
    """What Bland would refuse in a `POST /v1/calls` body."""
    try:
        call = SendCall.model_validate(body)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False)]
    return [] if call.task or call.pathway_id else ["task or pathway_id is required"]


@dataclass
class FakeBland:
    api_key: str = "bland_test_key"
    signing_secret: str = "bland-signing-secret"
    fail_next: list[int] = field(default_factory=list)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    requests: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/me")
        async def me(request: Request) -> JSONResponse:
            if request.headers.get("authorization") != self.api_key:
                return JSONResponse({"status": "error", "message": "Invalid API key"}, status_code=401)
            return JSONResponse({"status": "active", "billing": {"current_balance": 120.5, "refill_to": None},
                                 "total_calls": len(self.calls)})

        @app.post("/v1/calls")
        async def send_call(request: Request) -> JSONResponse:
            with self._lock:
                self.requests += 1
                if request.headers.get("authorization") != self.api_key:  # the raw key, no "Bearer"
                    return JSONResponse({"status": "error", "message": "Invalid API key"}, status_code=401)
                if self.fail_next:
                    code = self.fail_next.pop(0)
                    headers = {"Retry-After": "0"} if code == 429 else None
                    return JSONResponse({"status": "error", "message": "scripted failure"}, status_code=code, headers=headers)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"status": "error", "message": "The body is not JSON"}, status_code=400)
            problems = validate_send_call(body)
            if problems:
                self.rejected.append("; ".join(problems))
                return JSONResponse({"status": "error", "message": "Invalid parameters", "errors": problems}, status_code=400)
            call_id = str(uuid.uuid4())
            with self._lock:
                self.calls[call_id] = body
            return JSONResponse({"status": "success", "message": "Call successfully queued.", "call_id": call_id, "batch_id": None})

        return app

    def report(self, call_id: str, *, turns: list[tuple[str, str]], analysis: dict[str, Any], minutes: float = 2.5,
               transferred_to: str | None = None, answered_by: str = "human") -> dict[str, Any]:
        sent = self.calls[call_id]
        now = datetime.now(UTC).isoformat()
        return {
            "call_id": call_id, "c_id": call_id, "call_length": minutes, "to": sent["phone_number"], "from": "+15550100000",
            "request_data": {}, "completed": True, "queue_status": "complete", "status": "completed", "started_at": now,
            "end_at": now, "error_message": None, "variables": {}, "answered_by": answered_by,
            "recording_url": f"https://recordings.example/{call_id}.mp3", "metadata": sent["metadata"], "summary": "Call summary.",
            "price": 0.23, "call_ended_by": "USER", "transferred_to": transferred_to, "analysis": analysis,
            "concatenated_transcript": "\n".join(f"{'assistant' if r == 'bot' else 'user'}: {t}" for r, t in turns),
            "transcripts": [{"id": i, "created_at": now, "text": t, "user": "assistant" if r == "bot" else "user"}
                            for i, (r, t) in enumerate(turns)],
        }

    def sign(self, body: bytes) -> str:
        return hmac.new(self.signing_secret.encode(), body, hashlib.sha256).hexdigest()

    async def post_report(self, client: httpx.AsyncClient, call_id: str, body: dict[str, Any], *,
                          reserialize: bool = False, signature: str | None = None) -> httpx.Response:
        """Post the report to the call's webhook, as Bland does (pretty-printed; signed over what `reserialize` says)."""
        raw = json.dumps(body, indent=2).encode()
        signed = json.dumps(body, separators=(",", ":")).encode() if reserialize else raw
        header = self.sign(signed) if signature is None else signature
        headers = {"content-type": "application/json", **({"X-Webhook-Signature": header} if header else {})}
        return await client.post(self.calls[call_id]["webhook"], content=raw, headers=headers)


@contextmanager
def serve_fake_bland(fake: FakeBland | None = None) -> Iterator[FakeBland]:
    fake = fake or FakeBland()
    with serve_app(fake.app(), "fake-bland") as url:
        fake.url = url
        yield fake
