"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from concierge.schemas import MAX_EMAIL_TEXT, TICKET_ID_PATTERN, EventId, one_header_line


class TicketAssigned(BaseModel):
    """A helpdesk told us a ticket was assigned to the AI."""

    model_config = ConfigDict(extra="ignore")
    helpdesk: str = Field("local", pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    ticket_id: str = Field(pattern=TICKET_ID_PATTERN)
    event_id: EventId | None = None


class CallCompleted(RootModel[dict[str, Any]]):
    """A voice provider's call webhook: a Vapi server message (`{"message": {...}}`) or a Bland post-call body."""


class DraftEmail(BaseModel):
    """An email an operator writes: the edited draft in approval mode (`edit`), or a reply."""

    subject: str = Field("", max_length=998)
    body: str = Field(min_length=1, max_length=MAX_EMAIL_TEXT)

    _one_line = field_validator("subject")(lambda value: one_header_line(value))


class HitlDecision(BaseModel):
    """One decision in LangChain's human-in-the-loop response shape."""

    type: Literal["approve", "edit", "reject", "respond"]
    edited_action: dict[str, Any] | None = None
    message: str | None = Field(None, max_length=20_000)


class ResumeRequest(BaseModel):
    """A person's decision: Concierge's `{action, note, by}` — `approve`, `retry`, `close`, `handoff`,
    `reply` (with `subject`, `body`, `then`, or `email`) for an escalation or a customer wait; `approve`,
    `edit` (with `email`), `reject` for a draft waiting for review — or LangChain's human-in-the-loop
    `{"decisions": [{"type": ...}], "by": ...}` answering the wait's action request."""

    action: Literal["approve", "retry", "close", "handoff", "reply", "edit", "reject"] | None = None
    note: str = Field("", max_length=5000)
    by: str = Field("operator", min_length=1, max_length=100)
    subject: str = Field("", max_length=998)
    body: str = Field("", max_length=MAX_EMAIL_TEXT)
    then: Literal["wait", "close"] = "wait"
    email: DraftEmail | None = None
    decisions: list[HitlDecision] | None = Field(None, min_length=1, max_length=1)

    _one_line = field_validator("subject")(lambda value: one_header_line(value))

    @model_validator(mode="after")
    def _one_shape(self) -> ResumeRequest:
        if (self.action is None) == (self.decisions is None):
            raise ValueError("give either action (approve, retry, close, handoff, reply, edit or reject) or decisions")
        if self.action == "reply" and self.email is not None and not self.body.strip():
            self.subject, self.body = self.subject or self.email.subject, self.email.body
        if self.action == "reply" and not self.body.strip():
            raise ValueError("a reply needs the email's body")
        if self.action == "edit" and self.email is None:
            raise ValueError("edit needs the edited email: {\"email\": {\"subject\": ..., \"body\": ...}}")
        return self

    def decision(self) -> dict[str, Any]:
        """The decision as the graph takes it."""
        if self.decisions is not None:
            return {"decisions": [d.model_dump(exclude_none=True) for d in self.decisions], "by": self.by}
        fields = ("action", "note", "by") + (("subject", "body", "then") if self.action == "reply" else ())
        decision = {k: getattr(self, k) for k in fields}
        if self.action == "edit":
            assert self.email is not None  # the validator refuses an edit without it
            decision["email"] = self.email.model_dump()
        return decision


class ThreadSummary(BaseModel):
    thread_id: str
    ticket_id: str | None = None
    customer: str | None = None
    subject: str | None = None
    path: str | None = None
    stage: str | None = None
    waiting_for: str | None = None
    actions: list[str] = Field(default_factory=list, description="the decisions a person may take on the thread's wait")
    outcome: dict[str, Any] | None = None


class ThreadDetail(ThreadSummary):
    review: dict[str, Any] | None = Field(None, description="while a person is asked to decide: the drafted reply and the "
                                                            "human-in-the-loop request (action_requests, review_configs)")
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
    llm_usage: dict[str, Any] | None = None  # LLM calls, tokens and dollars spent on the ticket
    llm_degraded: dict[str, Any] | None = None  # steps the offline engine judged because the LLM could not, and why
    guard_notes: list[dict[str, Any]] = Field(default_factory=list, description="model answers a guard overruled: "
                                              "{step, reasons} (e.g. a triage that missed a request for a person)")
    draft: dict[str, Any] | None = None  # the email waiting for an operator's review (approval mode)
    reviews: list[dict[str, Any]] = Field(default_factory=list)
    log: list[dict[str, Any]] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
