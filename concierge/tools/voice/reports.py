"""Normalise providers' end-of-call webhooks into one `CallReport`.

The provider bodies are typed (only the fields Concierge reads; anything else is allowed and
ignored), so a body of the wrong shape is a clear `NotACallReport`, never a crash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from concierge.schemas import CallReport


class NotACallReport(ValueError):
    pass


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# Providers send ids as strings (Vapi also as numbers in old payloads): printable, bounded.
CallId = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
Text = Annotated[str, Field(max_length=500_000)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class VapiCall(_Lenient):
    id: CallId


class VapiArtifact(_Lenient):
    transcript: Text | None = None
    recordingUrl: str | None = None


class VapiAnalysis(_Lenient):
    summary: Text | None = None
    successEvaluation: str | bool | int | float | None = None
    structuredData: dict[str, Any] | None = None


class VapiEndOfCallReport(_Lenient):
    """Vapi's `end-of-call-report` server message (the `message` of the webhook body)."""

    type: str
    call: VapiCall
    endedReason: str | None = None
    startedAt: str | None = None
    endedAt: str | None = None
    artifact: VapiArtifact | None = None
    analysis: VapiAnalysis | None = None
    # Legacy top-level keys, still sent by older assistants.
    transcript: Text | None = None
    summary: Text | None = None
    recordingUrl: str | None = None


class BlandCallDetails(_Lenient):
    """Bland's post-call webhook (the call-details object)."""

    call_id: CallId
    call_length: float | None = Field(None, ge=0, description="minutes")
    call_ended_by: str | None = None
    status: str | None = None
    concatenated_transcript: Text | None = None
    summary: Text | None = None
    analysis: dict[str, Any] | None = None
    recording_url: str | None = None


def _validated(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False))
        raise NotACallReport(reasons) from None


def _seconds_between(start: str | None, end: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    except (AttributeError, ValueError, TypeError):
        return None


def from_vapi(body: dict[str, Any]) -> CallReport:
    """Vapi `end-of-call-report`: read `artifact.*` / `analysis.*`, fall back to the legacy top-level keys."""
    message = body.get("message")
    if not isinstance(message, dict) or message.get("type") != "end-of-call-report":
        raise NotACallReport("expected message.type == 'end-of-call-report'")
    if not isinstance(message.get("call"), dict) or not message["call"].get("id"):
        raise NotACallReport("message.call.id is missing")
    report = _validated(VapiEndOfCallReport, message)
    artifact, analysis = report.artifact or VapiArtifact(), report.analysis or VapiAnalysis()
    success = analysis.successEvaluation
    return CallReport(
        provider="vapi",
        call_id=report.call.id,
        ended_reason=report.endedReason or "",
        transcript=artifact.transcript or report.transcript or "",
        summary=analysis.summary or report.summary or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=_seconds_between(report.startedAt, report.endedAt),
        recording_url=artifact.recordingUrl or report.recordingUrl,
    )


def from_bland(body: dict[str, Any]) -> CallReport:
    """Bland post-call webhook (the call-details object)."""
    if not body.get("call_id"):
        raise NotACallReport("call_id is missing")
    report = _validated(BlandCallDetails, body)
    analysis = report.analysis or {}
    success = analysis.get("booked", analysis.get("success"))
    return CallReport(
        provider="bland",
        call_id=report.call_id,
        ended_reason=report.call_ended_by or report.status or "",
        transcript=report.concatenated_transcript or "",
        summary=report.summary or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=report.call_length * 60 if report.call_length is not None else None,
        recording_url=report.recording_url,
    )


def parse_call_report(body: dict[str, Any]) -> CallReport:
    return from_vapi(body) if "message" in body else from_bland(body)
