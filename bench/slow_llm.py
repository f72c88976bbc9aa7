"""An OpenAI-compatible chat server on loopback that takes a fixed time per call (default 1 s) and
answers every structured-output request as the offline engine would, so tickets run their real
path. Answers are computed once per (tool, ticket text) and replayed: the server spends its time
waiting, not computing.

    .venv/bin/python -m bench.slow_llm --port 8911 --delay 1.0     # then LLM_BASE_URL=http://127.0.0.1:8911/v1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from concierge.tools.llm.offline.engine import _DATA, RULES


def build_app(delay_s: float) -> FastAPI:
    app = FastAPI()
    cache: dict[tuple[str, str], dict[str, Any]] = {}
    locks: dict[tuple[str, str], asyncio.Lock] = {}
    app.state.calls = 0

    def data_of(body: dict[str, Any]) -> dict[str, Any]:
        for message in reversed(body.get("messages", [])):
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                if match := _DATA.search(message["content"]):
                    return json.loads(match.group(1))
        return {}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        started = time.monotonic()
        body = await request.json()
        app.state.calls += 1
        name = body["tools"][0]["function"]["name"]
        data = data_of(body)
        ticket = data.get("ticket") or {}
        key = (name, (ticket.get("subject") or "") + (ticket.get("body") or "") + json.dumps(data.get("reply") or data.get("call") or ""))
        async with locks.setdefault(key, asyncio.Lock()):
            if key not in cache:
                cache[key] = await asyncio.to_thread(RULES[name], data)
        await asyncio.sleep(max(0.0, delay_s - (time.monotonic() - started)))
        arguments = json.dumps(cache[key])
        prompt = len(json.dumps(body["messages"])) // 4
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4()}", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}]}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(arguments) // 4, "total_tokens": prompt + len(arguments) // 4},
        })

    @app.get("/calls")
    async def calls() -> dict:
        return {"calls": app.state.calls}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    uvicorn.run(build_app(args.delay), host="127.0.0.1", port=args.port, log_level="warning", backlog=4096)


if __name__ == "__main__":
    main()
