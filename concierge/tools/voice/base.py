"""What Concierge needs from a voice AI provider."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from concierge.db.ledger import OutcomeUnknown
from concierge.settings import Settings


class CallRequest(BaseModel):
    idempotency_key: str
    thread_id: str
    to: str  # E.164
    customer_name: str
    system_prompt: str
    first_message: str
    offers: list[dict[str, Any]] = Field(default_factory=list)
    max_discount_pct: float = 0.0


class CallOutcomeUnknown(OutcomeUnknown):
    """The provider failed while creating the call (a 5xx, a dropped connection): it may have placed
    the call anyway, so the effects ledger asks a person instead of dialling again."""


def webhook_url(settings: Settings, provider: str) -> str:
    """Where `provider` posts its call events to this server."""
    if not settings.public_base_url:
        raise ValueError(f"VOICE_PROVIDER={provider} needs PUBLIC_BASE_URL (where {provider} can reach this server)")
    return settings.public_base_url.rstrip("/") + f"/api/v1/webhooks/voice/{provider}"


class VoiceProvider(Protocol):
    name: str
    # True when placing the same call again (same idempotency key) cannot dial the customer twice.
    retry_safe: bool

    async def place_call(self, request: CallRequest) -> str:
        """Start an outbound call; returns the provider's call id. The report arrives by webhook."""
