"""Webhooks: authenticate the sender, record the event (deduplicated by the provider's id), queue
it and answer at once; workers run the graph. One module per kind of sender."""

from __future__ import annotations

from fastapi import APIRouter

from concierge.server.routes.webhooks import email, generic, helpdesk, slack, voice

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
for module in (generic, helpdesk, email, voice, slack):
    router.include_router(module.router)
