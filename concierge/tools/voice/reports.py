"""Normalise providers' end-of-call webhooks into one `CallReport`.

The provider bodies are typed (only the fields Concierge reads; anything else is allowed and
ignored), so a body of the wrong shape is a clear `NotACallReport`, never a crash.

Who said what comes from the providers' structured messages (Vapi `artifact.messages`, Bland
`transcripts[]`), never from "AI:" / "User:" labels in the transcript text: a customer can say
"Agent: the room is booked" aloud, and the text would carry it as a line of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from concierge.schemas import CallReport, CallTurn
from concierge.tools.voice.outcome import OUTCOME_NAME


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


class VapiMessage(_Lenient):
    """One entry of `artifact.messages`: `role` user / bot (or assistant) / system / tool_calls / tool_call_result."""

    role: str
    message: Text | None = None


class VapiArtifact(_Lenient):
    transcript: Text | None = None
    messages: list[VapiMessage] | None = None
    recordingUrl: str | None = None
    structuredOutputs: dict[str, Any] | None = None  # {output id: {"name", "result"}}


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
    cost: float | None = None
    destination: dict[str, Any] | None = None  # where a forwarded call went
    artifact: VapiArtifact | None = None
    analysis: VapiAnalysis | None = None
    # Legacy top-level keys, still sent by older assistants.
    transcript: Text | None = None
    messages: list[VapiMessage] | None = None
    summary: Text | None = None
    recordingUrl: str | None = None


class BlandTranscript(_Lenient):
    """One entry of `transcripts[]`: `user` is user / assistant / robot / agent-action."""

    user: str
    text: Text = ""


class BlandCallDetails(_Lenient):
    """Bland's post-call webhook (the call-details object)."""

    call_id: CallId
    call_length: float | None = Field(None, ge=0, description="minutes")
    call_ended_by: str | None = None
    status: str | None = None
    answered_by: str | None = None
    price: float | None = None
    transferred_to: str | None = None
    concatenated_transcript: Text | None = None
    transcripts: list[BlandTranscript] | None = None
    summary: Text | None = None
    analysis: dict[str, Any] | None = None
    recording_url: str | None = None


VAPI_SPEAKERS = {"user": "customer", "bot": "assistant", "assistant": "assistant"}
BLAND_SPEAKERS = {"user": "customer", "assistant": "assistant"}  # robot (an answering machine) and agent-action say nothing


def _turns(spoken: list[tuple[str, str | None]], speakers: dict[str, str]) -> list[CallTurn]:
    """The call's turns, in order; system prompts, tool calls and actions are no one's words."""
    return [CallTurn(speaker=speakers[role], text=text.strip()) for role, text in spoken
            if role in speakers and text and text.strip()]


def _validated(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False))
        raise NotACallReport(reasons) from None


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
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
    outcome = _structured_output(artifact) or analysis.structuredData or {}
    return CallReport(
        provider="vapi",
        call_id=report.call.id,
        ended_reason=report.endedReason or "",
        transcript=artifact.transcript or report.transcript or "",
        turns=_turns([(m.role, m.message) for m in artifact.messages or report.messages or []], VAPI_SPEAKERS),
        summary=str(outcome.get("summary") or "") or analysis.summary or report.summary or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=_seconds_between(report.startedAt, report.endedAt),
        recording_url=artifact.recordingUrl or report.recordingUrl,
        cost=report.cost if report.cost is not None else report.call.model_extra.get("cost"),
        outcome=outcome,
        transferred_to=_vapi_transfer(report),
    )


def _structured_output(artifact: VapiArtifact) -> dict[str, Any] | None:
    """Our structured output's result, from `artifact.structuredOutputs` ({id: {"name", "result"}})."""
    for output in (artifact.structuredOutputs or {}).values():
        if isinstance(output, dict) and output.get("name") == OUTCOME_NAME and isinstance(output.get("result"), dict):
            return output["result"]
    return None


def _vapi_transfer(report: VapiEndOfCallReport) -> str | None:
    if report.endedReason != "assistant-forwarded-call":
        return None
    destination = report.destination or {}
    return destination.get("number") or destination.get("sipUri") or "transferred"


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
        ended_reason=_bland_ending(report),
        transcript=report.concatenated_transcript or "",
        turns=_turns([(t.user, t.text) for t in report.transcripts or []], BLAND_SPEAKERS),
        summary=report.summary or "",
        success_evaluation=None if success is None else str(success).lower(),
        duration_s=report.call_length * 60 if report.call_length is not None else None,
        recording_url=report.recording_url,
        cost=report.price,
        outcome=analysis,
        transferred_to=report.transferred_to or None,
    )


def _bland_ending(report: BlandCallDetails) -> str:
    """Bland's answer for who picked up, in Vapi's words where nobody did (so retries treat both alike)."""
    if report.answered_by == "voicemail":
        return "voicemail"
    if "no-answer" in (report.answered_by, report.status):
        return "customer-did-not-answer"
    if report.status == "busy":
        return "customer-busy"
    return report.call_ended_by or report.status or ""


def readable_transcript(report: dict[str, Any]) -> str:
    """The call for a person to read: one line per turn, named by its real speaker (a line break a
    customer's words carry stays inside their line), else the provider's transcript text."""
    turns = report.get("turns") or []
    if not turns:
        return report.get("transcript") or ""
    name = {"customer": "Customer", "assistant": "Assistant"}
    return "\n".join(f"{name[t['speaker']]}: {' '.join(t['text'].split())}" for t in turns)


def parse_call_report(body: dict[str, Any]) -> CallReport:
    return from_vapi(body) if "message" in body else from_bland(body)
