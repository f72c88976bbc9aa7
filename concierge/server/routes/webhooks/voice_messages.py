"""Typed bodies of the voice providers' webhooks: Vapi server messages (one model per `message.type`
we act on) and Bland's post-call body. Unknown keys are kept; missing or mistyped ones are a 422."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class VapiCall(_Open):
    id: str = Field(min_length=1)


class VapiArtifact(_Open):
    transcript: str | None = None
    recordingUrl: str | None = None
    messages: list[dict[str, Any]] = Field(default_factory=list)


class VapiAnalysis(_Open):
    summary: str | None = None
    structuredData: dict[str, Any] | None = None
    successEvaluation: str | bool | None = None  # a string in the schema, even for PassFail


class VapiEndOfCallReport(_Open):
    type: Literal["end-of-call-report"]
    call: VapiCall
    endedReason: str = ""
    startedAt: str | None = None
    endedAt: str | None = None
    cost: float | None = None
    # Required by Vapi's current schema; bodies from older senders carry the legacy top-level keys instead.
    artifact: VapiArtifact = Field(default_factory=VapiArtifact)
    analysis: VapiAnalysis = Field(default_factory=VapiAnalysis)
    transcript: str | None = None
    summary: str | None = None


class VapiStatusUpdate(_Open):
    type: Literal["status-update"]
    status: str
    endedReason: str | None = None
    call: VapiCall | None = None


class VapiToolFunction(_Open):
    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)  # the SDK says string, the docs show an object


class VapiToolCall(_Open):
    id: str = Field(min_length=1)
    type: str = "function"
    function: VapiToolFunction


class VapiToolCalls(_Open):
    type: Literal["tool-calls"]
    toolCallList: list[VapiToolCall]
    call: VapiCall | None = None


class VapiTransferDestinationRequest(_Open):
    type: Literal["transfer-destination-request"]
    call: VapiCall | None = None


class VapiOtherMessage(_Open):
    type: str


class VapiServerMessage(BaseModel):
    """`{"message": {...}}` as Vapi posts it; other message types are acknowledged and ignored."""

    message: VapiEndOfCallReport | VapiStatusUpdate | VapiToolCalls | VapiTransferDestinationRequest | VapiOtherMessage


class VapiEnvelope(BaseModel):
    """Only `message.type` is read first; the message is then validated as that type's model."""

    message: VapiOtherMessage


MESSAGE_MODELS: dict[str, type[BaseModel]] = {
    "end-of-call-report": VapiEndOfCallReport,
    "status-update": VapiStatusUpdate,
    "tool-calls": VapiToolCalls,
    "transfer-destination-request": VapiTransferDestinationRequest,
}


class ToolResult(BaseModel):
    toolCallId: str
    name: str
    result: str | None = None
    error: str | None = None


class ToolResults(BaseModel):
    results: list[ToolResult]


class BlandTranscript(_Open):
    text: str = ""
    user: str = ""


class BlandCallReport(_Open):
    """Bland's post-call webhook: the call-details object."""

    call_id: str = Field(min_length=1)
    call_length: float | None = None
    status: str | None = None
    call_ended_by: str | None = None
    completed: bool | None = None
    answered_by: str | None = None
    concatenated_transcript: str = ""
    transcripts: list[BlandTranscript] = Field(default_factory=list)
    summary: str | None = None
    price: float | None = None
    analysis: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    transferred_to: str | None = None
    recording_url: str | None = None
