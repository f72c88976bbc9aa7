"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from email.utils import getaddresses, parseaddr

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from concierge.schemas import TICKET_ID_PATTERN


# A provider's event or message id: printable ASCII, no spaces or line breaks (it ends up in headers and keys).
EventId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
# RFC 5322 msg-id, angle brackets optional: a value with CR, LF or U+2028 could smuggle headers.
MessageId = Annotated[str, Field(min_length=3, max_length=998, pattern=r"^<?[\x21-\x3b\x3d\x3f-\x7e]+>?$")]
MAX_EMAIL_TEXT = 100_000


class TicketAssigned(BaseModel):
    """A helpdesk told us a ticket was assigned to the AI."""

    model_config = ConfigDict(extra="ignore")
    helpdesk: str = Field("local", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    ticket_id: str = Field(pattern=TICKET_ID_PATTERN)
    event_id: EventId | None = None


_LINE_BREAKS = ("\r", "\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


class InboundEmail(BaseModel):
    """A customer's email, as the inbound-email provider hands it over."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: str = Field(alias="from", min_length=3, max_length=320)
    to: list[str] = Field(default_factory=list, max_length=100)
    subject: str = Field("", max_length=998)
    text: str = Field(max_length=MAX_EMAIL_TEXT)
    message_id: MessageId | None = None
    in_reply_to: MessageId | None = None
    references: list[MessageId] = Field(default_factory=list, max_length=100)
    event_id: EventId | None = None
    # Set by the provider parsers from Auto-Submitted, X-Autoreply, Precedence, bounce senders...
    auto_reply: bool = False
    # A delivery report of a permanent failure of one of our emails: the server's reason (see dsn.py).
    bounce: str | None = Field(None, max_length=500)

    @field_validator("from_")
    @classmethod
    def _sender(cls, value: str) -> str:
        address = parseaddr(value)[1]
        if "@" not in address or any(c in value for c in "\r\n\u2028\u2029"):
            raise ValueError("not an email address")
        return address

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        """A subject is one header line: a line break would let it smuggle in another header."""
        if any(c in value for c in _LINE_BREAKS):
            raise ValueError("header values must not contain line breaks")
        return value

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
    note: str = Field("", max_length=5000)
    by: str = Field("operator", min_length=1, max_length=100)


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
    # Customer emails that answered no wait (while a call or a person was pending, or after the end).
    kept_emails: list[dict[str, Any]] = Field(default_factory=list)
    call_at: str | None = None  # when the customer asked to be called, in their time zone
    calls: list[dict[str, Any]] = Field(default_factory=list)
    call_analysis: dict[str, Any] | None = None
    call_seconds: float = 0.0  # all calls of the thread, as the providers reported them
    call_cost: float = 0.0
    booking: dict[str, Any] | None = None  # what a call booked, and whether the booking system has it
    human_decision: dict[str, Any] | None = None
    log: list[dict[str, Any]] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
