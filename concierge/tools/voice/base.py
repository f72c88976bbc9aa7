"""What Concierge needs from a voice AI provider."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field


class CallRequest(BaseModel):
    idempotency_key: str
    thread_id: str
    to: str  # E.164
    customer_name: str
    system_prompt: str
    first_message: str
    offers: list[dict[str, Any]] = Field(default_factory=list)
    max_discount_pct: float = 0.0


class VoiceProvider(Protocol):
    name: str
    # True when placing the same call again (same idempotency key) cannot dial the customer twice.
    retry_safe: bool

    async def place_call(self, request: CallRequest) -> str:
        """Start an outbound call; returns the provider's call id. The report arrives by webhook."""
