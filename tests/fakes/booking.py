"""A booking system (PMS) fake: `POST /bookings` checks the X-Concierge-Signature of the exact body
(401 when unsigned, forged or stale), deduplicates on Idempotency-Key, and answers 500 for as long
as it is told to be down. A signed ping (`X-Concierge-Event: ping`, body exactly `{"type": "ping"}`,
anything else 422) is answered 200 and books nothing."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from concierge.tools.signing import HmacSignature, InboundRequest, WebhookAuthError


class FakeBookingSystem:
    def __init__(self, secret: str) -> None:
        self.signature = HmacSignature([secret])
        self.bookings: dict[str, dict] = {}  # idempotency key -> record
        self.requests = 0
        self.pings = 0
        self.refused: list[str] = []  # why each unauthenticated request was refused
        self.down = 0  # answer 500 to this many more requests
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bookings")
        async def book(request: Request):
            self.requests += 1
            body = await request.body()
            try:
                self.signature.verify(InboundRequest("POST", str(request.url), request.headers, body))
            except WebhookAuthError as exc:
                self.refused.append(str(exc))
                return JSONResponse({"error": str(exc)}, 401)
            if self.down:
                self.down -= 1
                return JSONResponse({"error": "maintenance"}, 500)
            if request.headers.get("X-Concierge-Event") == "ping":
                if json.loads(body) != {"type": "ping"}:
                    return JSONResponse({"error": 'a ping is {"type": "ping"} and nothing else'}, 422)
                self.pings += 1
                return JSONResponse({"ok": True})
            key = request.headers.get("Idempotency-Key")
            record = json.loads(body)
            if not key or key != record.get("idempotency_key"):
                return JSONResponse({"error": "Idempotency-Key must match the record"}, 422)
            duplicate = key in self.bookings
            self.bookings.setdefault(key, record)
            return JSONResponse({"id": f"pms-{len(self.bookings)}", "duplicate": duplicate}, 200 if duplicate else 201)

        return app
