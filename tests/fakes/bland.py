"""A local stand-in for Bland's call API and its signed post-call webhook, over real HTTP.

`POST /v1/calls` checks the raw `authorization` key, answers the scripted failures first (429 with
Retry-After, 500), validates the body as Bland documents it and queues the call. `report` builds the
call-details object Bland posts to the call's `webhook`, signed with `X-Webhook-Signature`
(hex HMAC-SHA256 of the body; `reserialize=True` signs `JSON.stringify(body)` as Bland's example does).
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
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.serving import serve_app

REQUIRED = {"phone_number": str, "task": str, "first_sentence": str, "voice": str, "webhook": str,
            "metadata": dict, "analysis_schema": dict}


def validate_send_call(body: dict[str, Any]) -> list[str]:
    problems = [f"{key} must be a {kind.__name__}" for key, kind in REQUIRED.items() if not isinstance(body.get(key), kind)]
    if not str(body.get("phone_number", "")).startswith("+"):
        problems.append("phone_number must be E.164")
    if "transfer_phone_number" in body and not str(body["transfer_phone_number"]).startswith("+"):
        problems.append("transfer_phone_number must be E.164")
    if not all(isinstance(v, str) for v in (body.get("analysis_schema") or {}).values()):
        problems.append("analysis_schema values are type hints (strings)")
    return problems


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
            body = await request.json()
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
