"""A Discord webhook fake: `POST /api/webhooks/{id}/{token}` with embed limits (400 code 50035),
429 with a JSON `retry_after`, 404 for an unknown webhook, the message object with `wait=true`.

`proxy_429` makes the 429s come from a proxy in front of Discord instead: an HTML page whose only
wait is in one header (`Retry-After` or `X-RateLimit-Reset-After`, as named)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from tests.fakes.loopback import Faults

WEBHOOK_ID, WEBHOOK_TOKEN = "1200000000000000001", "tok-fake"


# The Execute Webhook JSON body and the embed object, as documented:
# https://discord.com/developers/docs/resources/webhook#execute-webhook
# https://discord.com/developers/docs/resources/message#embed-object
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbedFooter(_Strict):
    text: str
    icon_url: str | None = None
    proxy_icon_url: str | None = None


class EmbedField(_Strict):
    name: str
    value: str
    inline: bool | None = None


class Embed(_Strict):
    title: str | None = None
    type: Literal["rich"] | None = None
    description: str | None = None
    url: str | None = None
    timestamp: str | None = None
    color: int | None = None
    footer: EmbedFooter | None = None
    image: dict[str, Any] | None = None
    thumbnail: dict[str, Any] | None = None
    author: dict[str, Any] | None = None
    fields: list[EmbedField] | None = None


class AllowedMentions(_Strict):
    parse: list[Literal["roles", "users", "everyone"]] | None = None
    roles: list[str] | None = None
    users: list[str] | None = None
    replied_user: bool | None = None


class ExecuteWebhook(_Strict):
    content: str | None = None
    username: str | None = None
    avatar_url: str | None = None
    tts: bool | None = None
    embeds: list[Embed] | None = None
    allowed_mentions: AllowedMentions | None = None
    components: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    flags: int | None = None
    thread_name: str | None = None
    applied_tags: list[str] | None = None


def embed_size(embed: dict) -> int:
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", "")) \
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


class FakeDiscord:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.faults = Faults()
        self.faults.retry_after = "0.01"
        self.proxy_429: str | None = None  # a header name: the 429s are a proxy's HTML page with only that header
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/webhooks/{wid}/{token}")
        async def get_webhook(wid: str, token: str):
            if (wid, token) != (WEBHOOK_ID, WEBHOOK_TOKEN):
                return JSONResponse({"message": "Unknown Webhook", "code": 10015}, 404)
            return {"id": WEBHOOK_ID, "type": 1, "name": "Concierge alerts", "token": WEBHOOK_TOKEN}

        @app.post("/api/webhooks/{wid}/{token}")
        async def execute(wid: str, token: str, request: Request):
            if (wid, token) != (WEBHOOK_ID, WEBHOOK_TOKEN):
                return JSONResponse({"message": "Unknown Webhook", "code": 10015}, 404)
            if self.faults.take():
                if self.proxy_429:
                    return HTMLResponse("<html><body><h1>429 Too Many Requests</h1></body></html>", 429,
                                        headers={self.proxy_429: self.faults.retry_after})
                return JSONResponse({"message": "You are being rate limited.", "retry_after": float(self.faults.retry_after),
                                     "global": False}, 429, headers={"Retry-After": "1", "X-RateLimit-Scope": "shared"})
            body = await request.json()
            try:
                ExecuteWebhook.model_validate(body)
            except ValidationError as exc:
                errors = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
                return JSONResponse({"code": 50035, "errors": errors, "message": "Invalid Form Body"}, 400)
            embeds = body.get("embeds", [])
            if not (body.get("content") or embeds) or len(embeds) > 10 or sum(embed_size(e) for e in embeds) > 6000 \
                    or any(len(e.get("title", "")) > 256 or len(e.get("description", "")) > 4096 or len(e.get("fields", [])) > 25
                           for e in embeds):
                return JSONResponse({"code": 50035, "errors": {"embeds": "invalid"}, "message": "Invalid Form Body"}, 400)
            self.messages.append(body)
            if request.query_params.get("wait") == "true":
                return {"id": str(len(self.messages)), "channel_id": "1", "embeds": embeds}
            return Response(status_code=204)

        return app
