"""Typed records that cross boundaries: helpdesk tickets, LLM structured outputs, offers, calls.

The LLM-facing models double as structured-output schemas, so their field descriptions are
part of the prompt.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


# --- helpdesk --------------------------------------------------------------------------------------
class Customer(BaseModel):
    id: str
    name: str
    email: str
    region: str | None = None  # ISO 3166 alpha-2, when the helpdesk knows it: reads the customer's phone numbers


class Ticket(BaseModel):
    id: str
    helpdesk: str
    subject: str
    body: str
    customer: Customer
    status: str = "open"
    assignee: str | None = None
    priority: str = "normal"
    created_at: str = ""
    locale: str | None = None  # the helpdesk's language-region for this ticket ("pt-PT"), a fallback phone region

    @property
    def thread_id(self) -> str:
        return thread_id_for(self.helpdesk, self.id)


# helpdesk name, a colon, the helpdesk's ticket id: letters, digits and . _ - only (no path tricks).
THREAD_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
TICKET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


def thread_id_for(helpdesk: str, ticket_id: str) -> str:
    """One thread per ticket: re-delivered webhooks and repeated polls land on the same thread."""
    return f"{helpdesk}:{ticket_id}"


# --- LLM structured outputs ------------------------------------------------------------------------
class TriageDecision(BaseModel):
    """Which path the ticket takes."""

    path: Literal["booking", "support", "escalate"] = Field(
        description="booking: booking, trip planning, changes or upsell; support: a question the "
        "knowledge base answers; escalate: the customer asks for a human or is angry."
    )
    intent: str = Field(description="Short snake_case intent, e.g. book_hotel, check_in_question.")
    sentiment: Literal["positive", "neutral", "negative", "angry"]
    escalation_reasons: list[str] = Field(
        default_factory=list,
        description="Exact reasons a human is needed, quoting the customer. Empty unless path=escalate.",
    )
    rationale: str = Field(description="One sentence: why this path.")


class StayConstraints(BaseModel):
    """What the stay must, must not and would ideally have, each as attribute:value."""

    required: list[str] = Field(
        default_factory=list,
        description="Must-haves: area:centre|north|south|east|west, type:hotel|guesthouse, stars:N (exactly), "
        "min_stars:N, price_range:cheap|moderate|expensive, facility:parking|internet|pool|pet friendly|"
        "wheelchair accessible|quiet|breakfast|air conditioning|... Only what the customer insists on.",
    )
    excluded: list[str] = Field(
        default_factory=list, description='Must-not-haves in the same form, e.g. facility:parking for "without parking".'
    )
    preferred: list[str] = Field(default_factory=list, description="Nice-to-haves in the same form; they only rank.")


class CustomerProfile(BaseModel):
    """What we know about the customer and this trip, from the ticket and the whole history."""

    name: str
    party_size: int | None = Field(None, description="Number of guests, adults plus children.")
    children: int | None = None
    destination: str | None = Field(None, description="City the customer wants to stay in.")
    check_in: str | None = Field(None, description="ISO date YYYY-MM-DD.")
    check_out: str | None = Field(None, description="ISO date YYYY-MM-DD.")
    nights: int | None = None
    budget_per_night: float | None = Field(None, description="Upper budget per night, in currency.")
    currency: str | None = None
    preferences: list[str] = Field(default_factory=list, description="Amenities and wishes, e.g. quiet, pool.")
    constraints: StayConstraints = Field(default_factory=StayConstraints)
    past_friction: list[str] = Field(
        default_factory=list, description="Problems on earlier stays or tickets, each with its ticket id."
    )
    summary: str = Field(description="Two sentences an agent reads before calling.")


class EmailDraft(BaseModel):
    """An email to the customer."""

    subject: str
    body: str = Field(description="Plain-text body, signed by the company.")


class CallAnalysis(BaseModel):
    """Outcome of the voice call, judged from the transcript."""

    booked: bool = Field(description="The customer confirmed a booking on the call.")
    frustrated: bool = Field(description="The customer was upset, asked for a human or refused angrily.")
    reasons: list[str] = Field(
        default_factory=list, description="Exact reasons for a human to look at it, quoting the customer."
    )
    booked_room_id: str | None = Field(None, description="room_id of the offer booked, if any.")
    agreed_price: str | None = Field(None, description="The price agreed on the call, as said, if any.")
    summary: str


# --- knowledge base --------------------------------------------------------------------------------
class Offer(BaseModel):
    hotel_id: str
    hotel_name: str
    room_id: str
    room_name: str
    city: str
    area: str = ""
    capacity: int
    price_per_night: float
    currency: str
    amenities: list[str] = Field(default_factory=list)
    features: list[str] = Field(default_factory=list)
    property_type: str = "hotel"
    stars: int = 0
    price_range: str = ""
    facilities: list[str] = Field(default_factory=list)
    quiet: bool = False
    refundable: bool = True
    score: float = 0.0
    source: str = ""
    source_ids: list[str] = Field(default_factory=list, description="Knowledge-base documents the offer quotes.")
    matches: list[str] = Field(default_factory=list, description="The constraints and wishes it meets.")
    breaks: list[str] = Field(default_factory=list, description="Hard constraints it breaks (alternatives only).")


class PolicyPassage(BaseModel):
    id: str
    title: str
    text: str
    score: float = 0.0


# --- calls -----------------------------------------------------------------------------------------
class CallReport(BaseModel):
    """A provider's end-of-call report, normalised."""

    provider: str
    call_id: str
    ended_reason: str = ""
    transcript: str = ""
    summary: str = ""
    success_evaluation: str | None = None
    duration_s: float | None = None
    recording_url: str | None = None
    cost: float | None = None
    outcome: dict[str, Any] = Field(default_factory=dict)  # the provider's structured analysis (booked, reasons, …)
    transferred_to: str | None = None  # the call was handed to a person at this number


class CallTimeRequest(BaseModel):
    """When the customer asked to be called, if they said."""

    call_at_local: str | None = Field(
        None, description="The earliest time the customer asked to be called, in their local time as "
                          "YYYY-MM-DDTHH:MM, counted from now_local in <data> (\"after 6pm\" → today 18:00, or tomorrow "
                          "if that has passed; \"tomorrow morning\" → tomorrow 09:00). null when they named no time.")
