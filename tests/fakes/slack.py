"""A Slack fake: an incoming webhook (200 "ok", plain-text errors, 429 with Retry-After), the Web
API's `chat.postMessage` and `chat.update` for bot tokens (`{"ok": false, "error": ...}`), checking
Block Kit limits, and interactions' `response_url`s (`/actions/...`, 200 "ok")."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from tests.fakes.loopback import Faults

WEBHOOK_PATH = "/services/T000/B000/XXXX"
BOT_TOKEN, CHANNEL = "xoxb-fake", "C0ALERTS"


def block_problem(blocks: list[dict]) -> str | None:
    if len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        if block["type"] == "header" and len(block["text"]["text"]) > 150:
            return "invalid_blocks"
        if block["type"] == "section" and (len(block.get("text", {}).get("text", "")) > 3000 or len(block.get("fields", [])) > 10):
            return "invalid_blocks"
    return None


class FakeSlack:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.updates = 0
        self.responses: list[dict] = []  # what was posted to interactions' response_url
        self.faults = Faults()
        self.app = self._app()

    @staticmethod
    async def _incoming(request: Request, into: list[dict]) -> PlainTextResponse:
        """An incoming-webhook style post (a webhook URL or a response_url): 200 "ok" or a plain-text error."""
        try:
            body = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("invalid_payload", 400)
        if not body.get("text") and not body.get("blocks"):
            return PlainTextResponse("no_text", 400)
        if problem := block_problem(body.get("blocks", [])):
            return PlainTextResponse(problem, 400)
        into.append(body)
        return PlainTextResponse("ok")

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/services/{team}/{bot}/{secret}")
        async def webhook(team: str, bot: str, secret: str, request: Request):
            if f"/services/{team}/{bot}/{secret}" != WEBHOOK_PATH:
                return PlainTextResponse("no_service", 404)
            if self.faults.take():
                return PlainTextResponse("rate_limited", 429, headers={"Retry-After": self.faults.retry_after})
            return await self._incoming(request, self.messages)

        @app.post("/api/chat.postMessage")
        async def post_message(request: Request):
            if self.faults.take():
                return JSONResponse({"ok": False, "error": "ratelimited"}, 429, headers={"Retry-After": self.faults.retry_after})
            if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            raw = (await request.body()).decode()
            body = json.loads(raw) if request.headers.get("content-type", "").startswith("application/json") else dict(parse_qsl(raw))
            if isinstance(body.get("blocks"), str):
                body["blocks"] = json.loads(body["blocks"])
            if body.get("channel") != CHANNEL:
                return JSONResponse({"ok": False, "error": "channel_not_found"})
            if problem := block_problem(body.get("blocks", [])):
                return JSONResponse({"ok": False, "error": problem})
            self.messages.append(body)
            return {"ok": True, "channel": CHANNEL, "ts": f"1700000000.{len(self.messages):06d}", "message": body}

        @app.post("/actions/{team}/{action}/{token}")
        async def response_url(team: str, action: str, token: str, request: Request):
            return await self._incoming(request, self.responses)

        @app.post("/api/chat.update")
        async def update_message(request: Request):
            if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            body = json.loads(await request.body())
            if isinstance(body.get("blocks"), str):
                body["blocks"] = json.loads(body["blocks"])
            index = int(str(body.get("ts", "")).rpartition(".")[2] or 0) - 1
            if body.get("channel") != CHANNEL or not 0 <= index < len(self.messages):
                return JSONResponse({"ok": False, "error": "message_not_found"})
            self.messages[index] = {**self.messages[index], **body}
            self.updates += 1
            return {"ok": True, "channel": CHANNEL, "ts": body["ts"]}

        return app
