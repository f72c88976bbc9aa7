"""The yardstick for webhook acknowledgements: a bare FastAPI route that does the same signature
check and body parsing as Concierge's `ticket_assigned` route, and nothing else.

    .venv/bin/python -m bench.bare_app --port 8912     # WEBHOOK_SECRET from the environment
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from fastapi import FastAPI, HTTPException, Request

from concierge.server.schemas import TicketAssigned
from concierge.tools.signing import HmacSignature, InboundRequest, WebhookAuthError


def build_app(secret: str) -> FastAPI:
    app = FastAPI()
    verifier = HmacSignature([secret])

    @app.post("/api/v1/webhooks/ticket_assigned", status_code=202)
    async def ticket_assigned(request: Request) -> dict:
        body = await request.body()
        try:
            verifier.verify(InboundRequest(request.method, str(request.url), request.headers, body))
        except WebhookAuthError as exc:
            raise HTTPException(401, str(exc)) from exc
        assigned = TicketAssigned.model_validate_json(body)
        thread_id = f"local:{assigned.ticket_id}"
        return {"thread_id": thread_id, "event_id": assigned.event_id or f"assigned:{thread_id}", "duplicate": False}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(os.environ["WEBHOOK_SECRET"]), host="127.0.0.1", port=args.port, log_level="warning", backlog=4096)


if __name__ == "__main__":
    main()
