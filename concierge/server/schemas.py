"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from email.utils import getaddresses

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator


class TicketAssigned(BaseModel):
    """A helpdesk told us a ticket was assigned to the AI."""

    model_config = ConfigDict(extra="ignore")
    helpdesk: str = "local"
    ticket_id: str = Field(min_length=1)
    event_id: str | None = None


_LINE_BREAKS = ("\r", "\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


class InboundEmail(BaseModel):
    """A customer's email, as the inbound-email provider hands it over."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: str = Field(alias="from", min_length=3)
    to: list[str] = Field(default_factory=list)
    subject: str = ""
    text: str
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    event_id: str | None = None
    # Set by the provider parsers from Auto-Submitted, X-Autoreply, Precedence, bounce senders...
    auto_reply: bool = False

    @field_validator("from_", "subject", "message_id", "in_reply_to", "event_id")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        """Header values are single lines: a line break would let a value smuggle in another header."""
        if value is not None and any(c in value for c in _LINE_BREAKS):
            raise ValueError("header values must not contain line breaks")
        return value

    @field_validator("to", "references")
    @classmethod
    def _one_line_each(cls, values: list[str]) -> list[str]:
        if any(c in v for v in values for c in _LINE_BREAKS):
            raise ValueError("header values must not contain line breaks")
        return values

    @field_validator("to", mode="before")
    @classmethod
    def _addresses(cls, value: object) -> object:
        """Providers send `to` as a list or as one header string ("A <a@x>, b@y"); keep the bare addresses."""
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [address for _, address in getaddresses(value) if address]
        return value

    @field_validator("references", mode="before")
    @classmethod
    def _message_ids(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value


class CallCompleted(RootModel[dict[str, Any]]):
    """A voice provider's call webhook: a Vapi server message (`{"message": {...}}`) or a Bland post-call body."""


class ResumeRequest(BaseModel):
    action: Literal["approve", "retry", "close", "handoff"]
    note: str = ""
    by: str = "operator"


class Accepted(BaseModel):
    thread_id: str
    event_id: str
    duplicate: bool = False


class ThreadSummary(BaseModel):
    thread_id: str
    ticket_id: str | None = None
    customer: str | None = None
    subject: str | None = None
    path: str | None = None
    stage: str | None = None
    waiting_for: str | None = None
    outcome: dict[str, Any] | None = None


class ThreadDetail(ThreadSummary):
    escalation: dict[str, Any] | None = None
    escalations: int = 0
    profile: dict[str, Any] | None = None
    offers: list[dict[str, Any]] = Field(default_factory=list)
    emails: list[dict[str, Any]] = Field(default_factory=list)
    replies: list[dict[str, Any]] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)
    call_analysis: dict[str, Any] | None = None
    human_decision: dict[str, Any] | None = None
    log: list[dict[str, Any]] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
