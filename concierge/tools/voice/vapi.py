"""Vapi: outbound calls with a transient assistant, through `vapi-server-sdk`.

The SDK takes seconds to import, so it is imported on the first call, not with this module. The
assistant is built per call: the briefing as system prompt, the live tools (answered by our webhook
from the knowledge base), a transfer to a person, and a transient structured output
(`artifactPlan.structuredOutputs`, which Vapi recommends over the older `analysisPlan`) that carries
the outcome. Every server message goes to `server.url` with our credential.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from concierge.settings import Settings
from concierge.tools.outbound import Policy, guarded_client
from concierge.tools.voice.base import CallOutcomeUnknown, CallRequest, webhook_url
from concierge.tools.voice.live_tools import TOOL_SCHEMAS
from concierge.tools.voice.outcome import VAPI_STRUCTURED_OUTPUT

HANDOVER_LINE = "Of course. I'm connecting you to a colleague now, please stay on the line."
TRANSFER_SUMMARY = "Summarise for the colleague taking over: who the customer is, what they want and why they asked for a person."


def server_config(settings: Settings) -> dict[str, Any]:
    """`server`: our webhook and how Vapi proves it is Vapi (a saved credential, or the shared secret as a header)."""
    server: dict[str, Any] = {"url": webhook_url(settings, "vapi"), "timeoutSeconds": 10}
    if settings.vapi_credential_id:
        server["credentialId"] = settings.vapi_credential_id
    elif settings.vapi_webhook_secret:
        secret = settings.vapi_webhook_secret.get_secret_value()
        value = f"Bearer {secret}" if settings.vapi_webhook_header == "Authorization" else secret
        server["headers"] = {settings.vapi_webhook_header: value}
    return server


def transfer_tool(settings: Settings) -> dict[str, Any]:
    return {
        "type": "transferCall",
        "destinations": [{
            "type": "number",
            "number": settings.escalation_phone,
            "description": "A person on the team, when the customer asks for one or is upset",
            "message": HANDOVER_LINE,
            "transferPlan": {"mode": "warm-transfer-say-summary",
                             "summaryPlan": {"enabled": True, "messages": [{"role": "system", "content": TRANSFER_SUMMARY}]}},
        }],
    }


def assistant_config(request: CallRequest, settings: Settings) -> dict[str, Any]:
    """The transient assistant (`CreateAssistantDto`, camelCase) for one call."""
    tools: list[dict[str, Any]] = [{"type": "function", "function": schema} for schema in TOOL_SCHEMAS]
    prompt = request.system_prompt
    if settings.escalation_phone:
        tools.append(transfer_tool(settings))
        prompt += "\n- If the customer asks for a person or is upset, use transferCall to connect them to a colleague."
    return {
        "name": "Concierge call",
        "firstMessage": request.first_message,
        "model": {"provider": "openai", "model": settings.vapi_model, "temperature": 0.3,
                  "messages": [{"role": "system", "content": prompt}], "tools": tools},
        "voice": {"provider": "11labs", "voiceId": settings.vapi_voice_id},
        "voicemailMessage": f"Hello {request.customer_name.split()[0] if request.customer_name else ''}, this is "
                            f"{settings.company_name} about your trip. We'll try you again later, or just reply to our email.",
        "endCallMessage": "Thank you, goodbye!",
        "maxDurationSeconds": 600,
        "serverMessages": ["end-of-call-report", "status-update", "tool-calls", "transfer-destination-request"],
        "server": server_config(settings),
        "metadata": {"thread_id": request.thread_id, "idempotency_key": request.idempotency_key},
        "artifactPlan": {"structuredOutputs": [VAPI_STRUCTURED_OUTPUT]},
    }


def call_config(request: CallRequest, settings: Settings) -> dict[str, Any]:
    """The `POST /call` body (`CreateCallDto`)."""
    return {
        "phoneNumberId": settings.vapi_phone_number_id,
        "customer": {"number": request.to, "name": request.customer_name[:40] or None},
        "assistant": assistant_config(request, settings),
    }


def _rate_limited(exc: BaseException) -> bool:
    # Only 429 is retried: after a 5xx Vapi may have placed the call, and it has no idempotency key.
    return getattr(exc, "status_code", None) == 429


class VapiVoice:
    name = "vapi"
    retry_safe = False  # Vapi does not deduplicate calls by our key

    def __init__(self, settings: Settings, *, attempts: int = 4) -> None:
        if not settings.vapi_api_key or not settings.vapi_phone_number_id:
            raise ValueError("VOICE_PROVIDER=vapi needs VAPI_API_KEY and VAPI_PHONE_NUMBER_ID")
        webhook_url(settings, "vapi")  # fail at start, not at the first call
        if not settings.vapi_webhook_secret and not settings.vapi_credential_id:
            raise ValueError("VOICE_PROVIDER=vapi needs VAPI_WEBHOOK_SECRET (and VAPI_CREDENTIAL_ID if it is saved in Vapi)")
        self.settings = settings
        self.attempts = attempts
        self._client: Any = None

    def _sdk_client(self) -> Any:
        if self._client is None:
            from vapi import AsyncVapi  # slow import: only when a call is placed

            # The SDK's own httpx client, with the destination checked before the key leaves.
            assert self.settings.vapi_api_key is not None  # __init__ refuses settings without it
            http = guarded_client(Policy.provider(self.settings), timeout=60, follow_redirects=True)
            self._client = AsyncVapi(token=self.settings.vapi_api_key.get_secret_value(), base_url=self.settings.vapi_base_url,
                                     httpx_client=http)
        return self._client

    async def place_call(self, request: CallRequest) -> str:
        client = await asyncio.to_thread(self._sdk_client)
        from vapi.types import CreateAssistantDto, CreateCustomerDto

        body = call_config(request, self.settings)
        assistant = CreateAssistantDto.model_validate(body["assistant"])
        customer = CreateCustomerDto.model_validate(body["customer"])
        async for attempt in AsyncRetrying(stop=stop_after_attempt(self.attempts), retry=retry_if_exception(_rate_limited),
                                           wait=_retry_after, reraise=True):
            with attempt:
                try:
                    call = await client.calls.create(
                        phone_number_id=body["phoneNumberId"], customer=customer, assistant=assistant,
                        request_options={"max_retries": 0},
                    )
                except Exception as exc:
                    if (status := getattr(exc, "status_code", None) or 0) >= 500:
                        raise CallOutcomeUnknown(f"Vapi answered {status} while creating the call") from exc
                    raise
        return call.id


def _retry_after(state: Any) -> float:
    """Vapi's Retry-After when it sends one (capped), else a short exponential backoff."""
    exc = state.outcome.exception() if state.outcome else None
    headers = getattr(exc, "headers", None) or {}
    value: Any = headers.get("retry-after") or headers.get("Retry-After")  # whatever the SDK's error carries
    try:
        return min(float(value), 30.0)
    except (TypeError, ValueError):
        return min(0.5 * 2 ** (state.attempt_number - 1), 8.0)
