"""A local stand-in for Vapi's REST API and its server messages, over real HTTP.

`POST /call` checks the bearer key, answers the scripted failures first (429 with Retry-After, 500),
validates the body against the SDK's own types (the parameters of `calls.create`, `CreateCustomerDto`,
`CreateAssistantDto` with its OpenAI model, function tools and transferCall destinations) and answers
201 with a `Call`. Like Vapi (whose validation forbids unknown properties), it refuses with 400 any
property the types do not name, at any depth: the SDK's models allow extra fields, so every key of the
body is compared with the wire names (aliases) of the model that validated it.
`GET /phone-number/{id}` answers one of the account's `phone_numbers` as the SDK types it
(`GetPhoneNumbersResponse_Vapi`), 404 for any other id, 401 for a wrong key.

Like Vapi, the fake then talks to the assistant's `server.url` with the assistant's `server.headers`:
`status_update`, `tool_calls` and `end_of_call_report` build the message with the SDK's types and post
it through `client` (an httpx client that reaches Concierge, in-process or over the network).
"""

from __future__ import annotations

import functools
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
    phone_numbers: dict[str, str] = field(default_factory=lambda: {"pn_test": "+15550100000"})  # id -> number
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _refused(self, request: Request) -> JSONResponse | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"message": "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.",
                                 "error": "Unauthorized", "statusCode": 401}, status_code=401)
        return None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/phone-number/{number_id}")
        async def get_phone_number(number_id: str, request: Request) -> JSONResponse:
            from vapi.phone_numbers.types.get_phone_numbers_response import GetPhoneNumbersResponse_Vapi

            if (refused := self._refused(request)) is not None:
                return refused
            if number_id not in self.phone_numbers:
                return JSONResponse({"message": "Couldn't Get Phone Number. Not Found.", "error": "Not Found", "statusCode": 404}, 404)
            now = _iso(datetime.now(UTC))
            number = GetPhoneNumbersResponse_Vapi(provider="vapi", id=number_id, org_id="org_fake", created_at=now, updated_at=now,
                                                  number=self.phone_numbers[number_id], status="active")
            return JSONResponse(number.model_dump(mode="json", by_alias=True, exclude_none=True))

        @app.post("/call")
        async def create_call(request: Request) -> JSONResponse:
            with self._lock:
                self.requests += 1
                if (refused := self._refused(request)) is not None:
                    return refused
                if self.fail_next:
                    code = self.fail_next.pop(0)
                    headers = {"Retry-After": "0"} if code == 429 else None
                    return JSONResponse({"message": "scripted failure", "statusCode": code}, status_code=code, headers=headers)
            try:
                body = await request.json()
            except ValueError:
                return JSONResponse({"message": ["the body is not JSON"], "error": "Bad Request", "statusCode": 400}, status_code=400)
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

    def outcome_name(self, call_id: str) -> str:
        """The name of the structured output the call's assistant asked for."""
        [output] = self.calls[call_id]["assistant"]["artifactPlan"]["structuredOutputs"]
        return output["name"]

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
            # The assistant's transient structured output, under an id Vapi gives it; the default analysis beside it.
            artifact=Artifact(transcript=transcript, messages=messages, recording_url=f"https://recordings.example/{call_id}.wav",
                              structured_outputs={str(uuid.uuid4()): {"name": self.outcome_name(call_id), "result": outcome}}),
            analysis=Analysis(summary=summary, success_evaluation="true" if success else "false"),
            **extra,
        )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@functools.cache
def create_call_parameters() -> dict[str, Any]:
    """The `POST /call` body's properties, wire name -> type, from the SDK's own `calls.create`."""
    import typing

    from vapi.calls.client import CallsClient

    hints = typing.get_type_hints(CallsClient.create)
    return {_camel(name): kind for name, kind in hints.items() if name not in ("request_options", "return")}


@functools.cache
def _validator(key: str) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(create_call_parameters()[key])  # built once, for the properties a body uses (squads are big)


def unknown_properties(model: Any, raw: Any, path: str = "") -> list[str]:
    """Every key of `raw` (a JSON body) that the SDK model `model` validated it into does not name,
    recursively: a key must be a field's wire name (its alias), as Vapi spells it."""
    from pydantic import BaseModel

    if isinstance(model, BaseModel) and isinstance(raw, dict):
        wire = {(field.alias or name): name for name, field in type(model).model_fields.items()}
        found = []
        for key, value in raw.items():
            where = f"{path}.{key}" if path else key
            found += [where] if key not in wire else unknown_properties(getattr(model, wire[key]), value, where)
        return found
    if isinstance(model, list | tuple) and isinstance(raw, list):
        return [p for i, (m, r) in enumerate(zip(model, raw, strict=False)) for p in unknown_properties(m, r, f"{path}.{i}")]
    if isinstance(model, dict) and isinstance(raw, dict):  # a map of models keeps its own keys
        return [p for k, r in raw.items() if k in model for p in unknown_properties(model[k], r, f"{path}.{k}")]
    return []


def validate_create_call(body: Any) -> list[str]:
    """What Vapi would refuse in a `POST /call` body, checked with the SDK's types."""
    from pydantic import ValidationError
    from vapi.types import CreateAssistantDtoModel_Openai

    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    parameters = create_call_parameters()
    problems = [f"property {key} should not exist" for key in body if key not in parameters]
    validated: dict[str, Any] = {}
    for key in body.keys() & parameters.keys():
        try:
            validated[key] = _validator(key).validate_python(body[key])
        except ValidationError as exc:
            problems.append(f"{key}: {exc}")
            continue
        problems += [f"property {where} should not exist" for where in unknown_properties(validated[key], body[key], key)]
    if not isinstance(body.get("phoneNumberId"), str):
        problems.append("phoneNumberId must be a string")
    customer, assistant = validated.get("customer"), validated.get("assistant")
    if customer is None or not (customer.number or "").startswith("+"):
        problems.append("customer.number must be E.164")
    if assistant is None:
        return [*problems, "assistant is required (this fake serves transient assistants only)"]
    if not isinstance(assistant.model, CreateAssistantDtoModel_Openai) or not assistant.model.messages:
        problems.append("assistant.model must be an OpenAI model with a system message")
    if not assistant.server or not assistant.server.url:
        problems.append("assistant.server.url is missing")
    for tool in (assistant.model.tools or []) if assistant.model else []:
        if tool.type == "transferCall" and not all(d.number.startswith("+") for d in tool.destinations or []):
            problems.append("transferCall destinations need E.164 numbers")
    return problems


@contextmanager
def serve_fake_vapi(fake: FakeVapi | None = None) -> Iterator[FakeVapi]:
    fake = fake or FakeVapi()
    with serve_app(fake.app(), "fake-vapi") as url:
        fake.url = url
        yield fake
