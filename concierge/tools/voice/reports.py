"""Normalise providers' end-of-call webhooks into one `CallReport`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from concierge.schemas import CallReport


class NotACallReport(ValueError):
    pass


def _seconds_between(start: str | None, end: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    except (AttributeError, ValueError):
        return None


def from_vapi(body: dict[str, Any]) -> CallReport:
    """Vapi `end-of-call-report`: read `artifact.*` / `analysis.*`, fall back to the legacy top-level keys."""
    message = body.get("message")
    if not isinstance(message, dict) or message.get("type") != "end-of-call-report":
        raise NotACallReport("expected message.type == 'end-of-call-report'")
    call = message.get("call") or {}
    if not call.get("id"):
        raise NotACallReport("message.call.id is missing")
    artifact = message.get("artifact") or {}
    analysis = message.get("analysis") or {}
    success = analysis.get("successEvaluation")
    return CallReport(
        provider="vapi",
        call_id=str(call["id"]),
        ended_reason=message.get("endedReason") or "",
        transcript=artifact.get("transcript") or message.get("transcript") or "",
        summary=analysis.get("summary") or message.get("summary") or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=_seconds_between(message.get("startedAt"), message.get("endedAt")),
        recording_url=artifact.get("recordingUrl") or message.get("recordingUrl"),
        cost=message.get("cost", call.get("cost")),
        outcome=analysis.get("structuredData") or message.get("structuredData") or {},
        transferred_to=_vapi_transfer(message),
    )


def _vapi_transfer(message: dict[str, Any]) -> str | None:
    if message.get("endedReason") != "assistant-forwarded-call":
        return None
    destination = message.get("destination") or {}
    return destination.get("number") or destination.get("sipUri") or "transferred"


def from_bland(body: dict[str, Any]) -> CallReport:
    """Bland post-call webhook (the call-details object)."""
    if not body.get("call_id"):
        raise NotACallReport("call_id is missing")
    analysis = body.get("analysis") or {}
    success = analysis.get("booked", analysis.get("success"))
    length = body.get("call_length")
    return CallReport(
        provider="bland",
        call_id=str(body["call_id"]),
        ended_reason=_bland_ending(body),
        transcript=body.get("concatenated_transcript") or "",
        summary=body.get("summary") or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=float(length) * 60 if length is not None else None,
        recording_url=body.get("recording_url"),
        cost=body.get("price"),
        outcome=analysis,
        transferred_to=body.get("transferred_to") or None,
    )


def _bland_ending(body: dict[str, Any]) -> str:
    """Bland's answer for who picked up, in Vapi's words where nobody did (so retries treat both alike)."""
    answered_by, status = body.get("answered_by"), body.get("status")
    if answered_by == "voicemail":
        return "voicemail"
    if answered_by == "no-answer" or status == "no-answer":
        return "customer-did-not-answer"
    if status == "busy":
        return "customer-busy"
    return body.get("call_ended_by") or status or ""


def parse_call_report(body: dict[str, Any]) -> CallReport:
    return from_vapi(body) if "message" in body else from_bland(body)
