"""A Discord webhook fake: `POST /api/webhooks/{id}/{token}` with embed limits (400 code 50035),
429 with a JSON `retry_after`, 404 for an unknown webhook, the message object with `wait=true`."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from tests.fakes.loopback import Faults

WEBHOOK_ID, WEBHOOK_TOKEN = "1200000000000000001", "tok-fake"


def embed_size(embed: dict) -> int:
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", "")) \
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


class FakeDiscord:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.faults = Faults()
        self.faults.retry_after = "0.01"
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
                return JSONResponse({"message": "You are being rate limited.", "retry_after": float(self.faults.retry_after),
                                     "global": False}, 429, headers={"Retry-After": "1", "X-RateLimit-Scope": "shared"})
            body = await request.json()
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
