"""Bland: outbound calls over its REST API (`POST /v1/calls`), the report by post-call webhook."""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

from concierge.settings import Settings
from concierge.tools.outbound import Policy, guarded_client
from concierge.tools.voice.base import CallOutcomeUnknown, CallRequest, webhook_url
from concierge.tools.voice.outcome import BLAND_ANALYSIS_SCHEMA, SUMMARY_PROMPT


class BlandError(RuntimeError):
    def __init__(self, status_code: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"Bland answered {status_code}: {message}")
        self.status_code = status_code
        self.retry_after = retry_after


def call_body(request: CallRequest, settings: Settings) -> dict[str, Any]:
    """The `POST /v1/calls` body; every field is a Send Call parameter (https://docs.bland.ai/api-v1/post/calls)."""
    body: dict[str, Any] = {
        "phone_number": request.to,
        "task": request.system_prompt,
        "first_sentence": request.first_message,
        "voice": settings.bland_voice,
        "wait_for_greeting": True,
        "record": True,
        "max_duration": 10,
        "webhook": webhook_url(settings, "bland"),
        "metadata": {"thread_id": request.thread_id, "idempotency_key": request.idempotency_key},
        "summary_prompt": SUMMARY_PROMPT,
        "analysis_schema": BLAND_ANALYSIS_SCHEMA,
        # The `voicemail` object supersedes the flat voicemail_message / voicemail_action.
        "voicemail": {"action": "leave_message",
                      "message": f"Hello, this is {settings.company_name} about your trip. We'll call again later, "
                                 "or just reply to our email."},
    }
    if settings.escalation_phone:
        body["transfer_phone_number"] = settings.escalation_phone
        body["task"] += "\n- If the customer asks for a person or is upset, transfer the call."
    return body


def _rate_limited(exc: BaseException) -> bool:
    # Only 429 is retried: after a 5xx the call may have been queued, and Bland has no idempotency key.
    return isinstance(exc, BlandError) and exc.status_code == 429


def _wait(state: Any) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, BlandError) and exc.retry_after is not None:
        return min(exc.retry_after, 30.0)
    return min(0.5 * 2 ** (state.attempt_number - 1), 8.0)


class BlandVoice:
    name = "bland"
    retry_safe = False  # Bland does not deduplicate calls by our key

    def __init__(self, settings: Settings, *, attempts: int = 4, timeout_s: float = 30.0) -> None:
        if not settings.bland_api_key:
            raise ValueError("VOICE_PROVIDER=bland needs BLAND_API_KEY")
        if not settings.bland_webhook_secret:
            raise ValueError("VOICE_PROVIDER=bland needs BLAND_WEBHOOK_SECRET (the webhook signing secret)")
        webhook_url(settings, "bland")
        self.settings = settings
        self.attempts = attempts
        self.timeout_s = timeout_s

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> str:
        response = await client.post("/v1/calls", json=body)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 500:
            raise CallOutcomeUnknown(f"Bland answered {response.status_code} while queueing the call")
        if response.status_code >= 400 or data.get("status") == "error":
            retry_after = response.headers.get("retry-after")
            raise BlandError(response.status_code, str(data.get("message") or data.get("errors") or response.text[:200]),
                             float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None)
        if not data.get("call_id"):
            raise BlandError(response.status_code, "no call_id in the answer")
        return str(data["call_id"])

    async def place_call(self, request: CallRequest) -> str:
        body = call_body(request, self.settings)
        assert self.settings.bland_api_key is not None  # __init__ refuses settings without it
        headers = {"authorization": self.settings.bland_api_key.get_secret_value()}  # the raw key, no "Bearer"
        async with guarded_client(Policy.provider(self.settings), base_url=self.settings.bland_base_url, headers=headers,
                                  timeout=self.timeout_s) as client:
            async for attempt in AsyncRetrying(stop=stop_after_attempt(self.attempts), retry=retry_if_exception(_rate_limited),
                                               wait=_wait, reraise=True):
                with attempt:
                    return await self._post(client, body)
        raise AssertionError("unreachable")
