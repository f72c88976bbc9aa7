"""A Slack fake: an incoming webhook (200 "ok", plain-text errors, 429 with Retry-After), the Web
API's `auth.test` (the token's scopes in `x-oauth-scopes`), `chat.postMessage` and `chat.update` for
bot tokens (`{"ok": false, "error": ...}`), and interactions' `response_url`s (`/actions/...`, 200 "ok").

Every Block Kit block is parsed with slack_sdk's own models (`Block.parse`, whose `to_dict` checks
Slack's limits); a block type the SDK does not know, a limit broken, or a field the model does not
have (a misspelt `txet`) is refused with `invalid_blocks`, as Slack refuses it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from tests.fakes.loopback import Faults

WEBHOOK_PATH = "/services/T000/B000/XXXX"
BOT_TOKEN, CHANNEL = "xoxb-fake", "C0ALERTS"
SCOPES = "chat:write,channels:read"  # what the fake's bot token was granted


def unknown_fields(sent: Any, kept: Any, path: str = "") -> list[str]:
    """Fields of `sent` the SDK model dropped when it parsed them (`kept` is its `to_dict()`)."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        return [f for key, value in sent.items()
                for f in ([f"{path}{key}"] if key not in kept else unknown_fields(value, kept[key], f"{path}{key}."))]
    if isinstance(sent, list) and isinstance(kept, list):
        return [f for i, (a, b) in enumerate(zip(sent, kept, strict=False)) for f in unknown_fields(a, b, f"{path}{i}.")]
    return []


def block_problem(blocks: Any) -> str | None:
    """None when Slack would take these blocks; else the reason it refuses them (`invalid_blocks`)."""
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for block in blocks:
        try:
            parsed = Block.parse(block) if isinstance(block, dict) else None
            kept = parsed.to_dict() if parsed is not None else None  # to_dict validates the limits
        except (SlackObjectFormationError, KeyError, TypeError, ValueError):
            return "invalid_blocks"
        if kept is None or unknown_fields(block, kept):
            return "invalid_blocks"
    return None


class FakeSlack:
    def __init__(self, scopes: str = SCOPES) -> None:
        self.scopes = scopes
        self.auth_tests = 0  # auth.test calls, whatever token they carried
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

        @app.post("/api/auth.test")
        async def auth_test(request: Request):
            self.auth_tests += 1
            if request.headers.get("authorization") != f"Bearer {BOT_TOKEN}":
                return JSONResponse({"ok": False, "error": "invalid_auth"})
            return JSONResponse({"ok": True, "url": "https://wayfarer.slack.com/", "team": "Wayfarer", "user": "concierge",
                                 "team_id": "T000", "user_id": "U000", "bot_id": "B000", "is_enterprise_install": False},
                                headers={"x-oauth-scopes": self.scopes})

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
