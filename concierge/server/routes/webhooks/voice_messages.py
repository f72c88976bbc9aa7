"""Typed bodies of Vapi's server messages: one model per `message.type` we act on (the end-of-call
report's and Bland's post-call body live with the report parsers). Unknown keys are kept; missing or
mistyped ones are a 422."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from concierge.tools.voice.reports import VapiCall, VapiEndOfCallReport


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


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
