"""A local stand-in for Vapi's REST API and its server messages, over real HTTP.

`POST /call` checks the bearer key, answers the scripted failures first (429 with Retry-After, 500),
validates the body against the SDK's own types (`CreateCustomerDto`, `CreateAssistantDto`, with its
OpenAI model, function tools and transferCall destinations) and answers 201 with a `Call`.

Like Vapi, the fake then talks to the assistant's `server.url` with the assistant's `server.headers`:
`status_update`, `tool_calls` and `end_of_call_report` build the message with the SDK's types and post
it through `client` (an httpx client that reaches Concierge, in-process or over the network).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.serving import serve_app


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FakeVapi:
    api_key: str = "vapi_test_key"
    fail_next: list[int] = field(default_factory=list)  # status codes answered (in order) before any success
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # call id -> the validated POST /call body
    rejected: list[str] = field(default_factory=list)  # why each refused body was refused
    requests: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/call")
        async def create_call(request: Request) -> JSONResponse:
            with self._lock:
                self.requests += 1
                if request.headers.get("authorization") != f"Bearer {self.api_key}":
                    return JSONResponse({"message": "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.",
                                         "error": "Unauthorized", "statusCode": 401}, status_code=401)
                if self.fail_next:
                    code = self.fail_next.pop(0)
                    headers = {"Retry-After": "0"} if code == 429 else None
                    return JSONResponse({"message": "scripted failure", "statusCode": code}, status_code=code, headers=headers)
            body = await request.json()
            problems = validate_create_call(body)
            if problems:
                self.rejected.append("; ".join(problems))
                return JSONResponse({"message": problems, "error": "Bad Request", "statusCode": 400}, status_code=400)
            call_id = str(uuid.uuid4())
            now = _iso(datetime.now(UTC))
            with self._lock:
                self.calls[call_id] = body
            return JSONResponse({"id": call_id, "orgId": "org_fake", "createdAt": now, "updatedAt": now, "type": "outboundPhoneCall",
                                 "status": "queued", "phoneNumberId": body["phoneNumberId"], "customer": body["customer"]}, status_code=201)

        return app

    # --- messages Vapi posts to the assistant's server ------------------------------------------
    def server_of(self, call_id: str) -> dict[str, Any]:
        return self.calls[call_id]["assistant"]["server"]

    async def post(self, client: httpx.AsyncClient, call_id: str, message: Any, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """Post `{"message": …}` (an SDK model) to the call's server URL with its credential headers."""
        server = self.server_of(call_id)
        body = {"message": message.model_dump(mode="json", by_alias=True, exclude_none=True)}
        sent_headers = server.get("headers", {}) if headers is None else headers
        return await client.post(server["url"], content=json.dumps(body).encode(),
                                 headers={"content-type": "application/json", **sent_headers})

    def _call(self, call_id: str) -> Any:
        from vapi.types import Call

        now = _iso(datetime.now(UTC))
        body = self.calls[call_id]
        return Call(id=call_id, org_id="org_fake", created_at=now, updated_at=now, type="outboundPhoneCall",
                    phone_number_id=body["phoneNumberId"])

    async def status_update(self, client: httpx.AsyncClient, call_id: str, status: str, **kwargs: Any) -> httpx.Response:
        from vapi.types import ServerMessageStatusUpdate

        return await self.post(client, call_id, ServerMessageStatusUpdate(type="status-update", status=status, call=self._call(call_id)), **kwargs)

    async def tool_calls(self, client: httpx.AsyncClient, call_id: str, calls: list[tuple[str, dict[str, Any]]]) -> httpx.Response:
        """The assistant invokes its tools: `[(name, arguments)]`; arguments go as a JSON string, as the SDK types them."""
        from vapi.types import ServerMessageToolCalls, ToolCall, ToolCallFunction

        listed = [ToolCall(id=f"call_{uuid.uuid4().hex[:8]}", type="function",
                           function=ToolCallFunction(name=name, arguments=json.dumps(args))) for name, args in calls]
        return await self.post(client, call_id, ServerMessageToolCalls(type="tool-calls", tool_call_list=listed,
                                                                       tool_with_tool_call_list=[], call=self._call(call_id)))

    def end_of_call_report(self, call_id: str, *, turns: list[tuple[str, str]], outcome: dict[str, Any],
                           ended_reason: str = "customer-ended-call", summary: str = "", success: bool = False,
                           destination: str | None = None) -> Any:
        from vapi.types import Analysis, Artifact, ServerMessageEndOfCallReport

        started = datetime.now(UTC) - timedelta(minutes=3)
        transcript = "\n".join(f"{'AI' if role == 'bot' else 'User'}: {text}" for role, text in turns)
        messages = [{"role": role, "message": text, "time": int(started.timestamp() * 1000) + i * 4000, "secondsFromStart": i * 4.0}
                    for i, (role, text) in enumerate(turns)]
        extra = {"destination": {"type": "number", "number": destination}} if destination else {}
        return ServerMessageEndOfCallReport(
            type="end-of-call-report", ended_reason=ended_reason, call=self._call(call_id), cost=0.42,
            started_at=_iso(started), ended_at=_iso(started + timedelta(seconds=len(turns) * 4)),
            artifact=Artifact(transcript=transcript, messages=messages, recording_url=f"https://recordings.example/{call_id}.wav"),
            analysis=Analysis(summary=summary, structured_data=outcome, success_evaluation="true" if success else "false"),
            **extra,
        )


def validate_create_call(body: dict[str, Any]) -> list[str]:
    """What Vapi would refuse in a `POST /call` body, checked with the SDK's types."""
    from pydantic import ValidationError
    from vapi.types import (
        CreateAssistantDto,
        CreateAssistantDtoModel_Openai,
        CreateCustomerDto,
    )

    problems = []
    if not isinstance(body.get("phoneNumberId"), str):
        problems.append("phoneNumberId must be a string")
    try:
        customer = CreateCustomerDto.model_validate(body.get("customer"))
        if not (customer.number or "").startswith("+"):
            problems.append("customer.number must be E.164")
    except ValidationError as exc:
        problems.append(f"customer: {exc}")
    try:
        assistant = CreateAssistantDto.model_validate(body.get("assistant"))
        if not isinstance(assistant.model, CreateAssistantDtoModel_Openai) or not assistant.model.messages:
            problems.append("assistant.model must be an OpenAI model with a system message")
        if not assistant.server or not assistant.server.url:
            problems.append("assistant.server.url is missing")
        for tool in (assistant.model.tools or []) if assistant.model else []:
            if tool.type == "transferCall" and not all(d.number.startswith("+") for d in tool.destinations or []):
                problems.append("transferCall destinations need E.164 numbers")
    except ValidationError as exc:
        problems.append(f"assistant: {exc}")
    return problems


@contextmanager
def serve_fake_vapi(fake: FakeVapi | None = None) -> Iterator[FakeVapi]:
    fake = fake or FakeVapi()
    with serve_app(fake.app(), "fake-vapi") as url:
        fake.url = url
        yield fake
