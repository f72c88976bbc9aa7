"""A local stand-in for Groq's OpenAI-compatible chat API, served over real HTTP.

The real clients (ChatGroq on the `groq` SDK, ChatOpenAI on the `openai` SDK) talk to it exactly as
they talk to the hosted service, so their request building, auth, retries and response parsing all
run. Routes:

- `POST /openai/v1/chat/completions`: Groq (`groq.AsyncGroq` appends this path to `base_url`).
- `POST /v1/chat/completions`: any OpenAI-compatible server (`base_url` ends in `/v1`).
- `GET /openai/v1/models`, `GET /v1/models`: the served `models`, as the openai SDK's `Model` list.

Every request is answered with a tool call to the requested function (named by `tool_choice`, or the
first tool with `"required"`), or with a JSON-schema `response_format` the object as the message's
content, with the arguments the test scripted for that function name (or, with `answer`, computed from the request), and a `usage` block
as Groq reports it: prompt tokens count the messages and the tool schemas, since both are in the prompt.

    with serve_fake_groq() as fake:
        fake.tool_args["TriageDecision"] = {"path": "booking", ...}
        ...  # point GROQ_BASE_URL (or LLM_BASE_URL=fake.url + "/v1") at fake.url
        assert fake.requests[0].body["model"] == "llama-3.3-70b-versatile"
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

GROQ_PATH = "/openai/v1/chat/completions"
OPENAI_PATH = "/v1/chat/completions"


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]


@dataclass
class FakeGroq:
    """Scripted behaviour and everything the server saw. Tests set the public fields directly."""

    api_key: str | None = "gsk_test"  # None: accept any Authorization (a local server without keys)
    tool_args: dict[str, Any] = field(default_factory=dict)  # tool name -> args, or a list consumed in order
    answer: Callable[[str, dict[str, Any]], Any] | None = None  # (tool name, request body) -> args, when not scripted
    rate_limit_first: int = 0  # answer this many of the next requests with 429 + Retry-After
    server_errors: int = 0  # answer this many of the next requests with 500 (-1: every one)
    retry_after_s: int = 1
    models: list[str] = field(default_factory=lambda: ["llama-3.3-70b-versatile", "llama-3.1-8b-instant"])
    requests: list[RecordedRequest] = field(default_factory=list)
    url: str = ""  # http://127.0.0.1:PORT once served
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        with self._lock:
            self.api_key = "gsk_test"
            self.tool_args.clear()
            self.rate_limit_first = 0
            self.server_errors = 0
            self.answer = None
            self.retry_after_s = 1
            self.requests.clear()

    # --- the HTTP side ------------------------------------------------------------------------------
    def app(self) -> FastAPI:
        app = FastAPI()

        async def completions(request: Request) -> JSONResponse:
            body = await request.json()
            headers = {k.lower(): v for k, v in request.headers.items()}
            with self._lock:
                self.requests.append(RecordedRequest(request.url.path, headers, body))
                return self._answer(headers, body)

        async def models(request: Request) -> JSONResponse:
            from openai.types import Model

            if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
            listed = [Model(id=m, created=1733443200, object="model", owned_by="Meta").model_dump() for m in self.models]
            return JSONResponse({"object": "list", "data": listed})

        app.post(GROQ_PATH)(completions)
        app.post(OPENAI_PATH)(completions)
        app.get("/openai/v1/models")(models)
        app.get("/v1/models")(models)
        return app

    def _answer(self, headers: dict[str, str], body: dict[str, Any]) -> JSONResponse:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
        if self.rate_limit_first > 0:
            self.rate_limit_first -= 1
            return _error(
                429,
                f"Rate limit reached for model `{body.get('model')}` in organization `org_fake` service tier "
                f"`on_demand` on tokens per minute (TPM): Limit 6000, Used 6000, Requested 512. "
                f"Please try again in {self.retry_after_s}s.",
                "tokens", "rate_limit_exceeded", headers={"retry-after": str(self.retry_after_s)},
            )
        if self.server_errors:
            self.server_errors -= 1 if self.server_errors > 0 else 0
            return _error(500, "Internal Server Error", "internal_server_error", "internal_server_error")
        schema_format = (body.get("response_format") or {}).get("json_schema") if (body.get("response_format") or {}).get("type") == "json_schema" else None
        name = schema_format["name"] if schema_format else _requested_tool(body)
        if name is None:
            return _error(400, "The fake answers tool calls or a json_schema response_format: send one.", "invalid_request_error", "unsupported")
        if name in self.tool_args:
            args = self.tool_args[name]
            if isinstance(args, list):
                args = args.pop(0)
        elif self.answer is not None:
            args = self.answer(name, body)
        else:
            return _error(400, f"No scripted arguments for tool `{name}`.", "invalid_request_error", "unscripted_tool")
        arguments = json.dumps(args)
        prompt_tokens, completion_tokens = prompt_token_count(body), token_count(arguments)
        # With a json_schema response_format the answer is the JSON object as the message's content.
        message = ({"role": "assistant", "content": arguments} if schema_format else
                   {"role": "assistant", "content": None,
                    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}]})
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "stop" if schema_format else "tool_calls",
            }],
            "usage": {"queue_time": 0.01, "prompt_tokens": prompt_tokens, "prompt_time": 0.02,
                      "completion_tokens": completion_tokens, "completion_time": 0.05,
                      "total_tokens": prompt_tokens + completion_tokens, "total_time": 0.07},
            "system_fingerprint": "fp_fake",
            "x_groq": {"id": f"req_{uuid.uuid4().hex}"},
        })


# Llama 3's tokenizer averages about four characters of English or JSON per token; each chat message
# adds its header tokens (<|start_header_id|>role<|end_header_id|> ... <|eot_id|>).
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 5


def token_count(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN))


def prompt_token_count(body: dict[str, Any]) -> int:
    """Prompt tokens as the model sees them: every message's text plus the tool schemas (in the prompt too)."""
    messages = body.get("messages") or []
    text = sum(token_count(str(m.get("content") or "")) + MESSAGE_OVERHEAD for m in messages)
    return text + tool_token_count(body)


def tool_token_count(body: dict[str, Any]) -> int:
    return token_count(json.dumps(body["tools"])) if body.get("tools") else 0


def _requested_tool(body: dict[str, Any]) -> str | None:
    """The function `tool_choice` forces, else the first tool offered."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        return choice["function"]["name"]
    tools = body.get("tools") or []
    return tools[0]["function"]["name"] if tools else None


def _error(status: int, message: str, type_: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "code": code}}, status_code=status, headers=headers)


@contextmanager
def serve_fake_groq(fake: FakeGroq | None = None) -> Iterator[FakeGroq]:
    """Serve `fake` with uvicorn on 127.0.0.1 and a free port, in a background thread."""
    fake = fake or FakeGroq()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound before the thread starts: no race for the port
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(fake.app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="fake-groq", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Groq server did not start")
            time.sleep(0.01)
        fake.url = f"http://127.0.0.1:{port}"
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
