"""Typed records that cross boundaries: helpdesk tickets, inbound emails, LLM structured outputs,
offers, calls.

The LLM-facing models double as structured-output schemas, so their field descriptions are
part of the prompt.
"""

from __future__ import annotations

from email.utils import getaddresses, parseaddr
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer


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
        return str(ThreadId(self.helpdesk, self.id))


# helpdesk name, a colon, the helpdesk's ticket id: letters, digits and . _ - only (no path tricks).
THREAD_ID_PATTERN = r"^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
TICKET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


class ThreadId(NamedTuple):
    """One thread per ticket, `helpdesk:ticket_id` (e.g. `zendesk:4711`): re-delivered webhooks and
    repeated polls land on the same thread. `str()` gives the id; `parse` reads one back."""

    helpdesk: str
    ticket_id: str

    def __str__(self) -> str:
        return f"{self.helpdesk}:{self.ticket_id}"

    @classmethod
    def parse(cls, thread_id: str) -> ThreadId:
        helpdesk, sep, ticket_id = thread_id.partition(":")
        if not (sep and helpdesk and ticket_id):
            raise ValueError(f"not a thread id (helpdesk:ticket_id): {thread_id!r}")
        return cls(helpdesk, ticket_id)


# --- inbound email ---------------------------------------------------------------------------
# A provider's event or message id: printable ASCII, no spaces or line breaks (it ends up in headers and keys).
EventId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
# RFC 5322 msg-id, angle brackets optional: a value with CR, LF or U+2028 could smuggle headers.
MessageId = Annotated[str, Field(min_length=3, max_length=998, pattern=r"^<?[\x21-\x3b\x3d\x3f-\x7e]+>?$")]
MAX_EMAIL_TEXT = 100_000


_LINE_BREAKS = ("\r", "\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


def one_header_line(value: str) -> str:
    """A subject is one header line: a line break would let it smuggle in another header."""
    if any(c in value for c in _LINE_BREAKS):
        raise ValueError("header values must not contain line breaks")
    return value


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

    _one_line = field_validator("subject")(lambda value: one_header_line(value))

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


# --- LLM structured outputs ------------------------------------------------------------------------
class TriageDecision(BaseModel):
    """Which path the ticket takes."""

    path: Literal["booking", "support", "escalate"]
    intent: str = Field(description="snake_case, e.g. book_hotel")
    sentiment: Literal["positive", "neutral", "negative", "angry"]
    escalation_reasons: list[str] = Field(default_factory=list, description="Quotes; if escalate")
    rationale: str = ""


class ReplyMood(BaseModel):
    """How the customer's reply to our email reads."""

    upset: bool = Field(description="Angry, upset or complaining.")
    wants_person: bool = Field(description="Asks for a person.")
    reasons: list[str] = Field(default_factory=list, description="Quotes")


class StayConstraints(BaseModel):
    """What the stay must, must not and would ideally have, each as attribute:value."""

    required: list[str] = Field(
        default_factory=list,
        description="Insisted on: area:centre|north|south|east|west, type:hotel|guesthouse, stars:N, min_stars:N, "
        "price_range:cheap|moderate|expensive, facility:parking|internet|pool|pet friendly|wheelchair accessible|quiet|breakfast",
    )
    excluded: list[str] = Field(default_factory=list, description="Same form")
    preferred: list[str] = Field(default_factory=list, description="Same form; wishes")


class ComplaintDetails(BaseModel):
    """What a customer with a problem wants, in the case's own terms."""

    wants: str = Field(description="e.g. a refund of a double charge")
    booking_reference: str | None = None
    amount: float | None = Field(None, description="The amount in question (charged, owed), never a budget")
    currency: str | None = None


class CustomerProfile(BaseModel):
    """What we know about the customer and this trip, from the ticket and the whole history."""

    name: str
    party_size: int | None = Field(None, description="Adults plus children.")
    children: int | None = None
    destination: str | None = Field(None, description="City.")
    check_in: str | None = Field(None, description="YYYY-MM-DD")
    check_out: str | None = Field(None, description="YYYY-MM-DD")
    nights: int | None = None
    budget_per_night: float | None = None
    currency: str | None = None
    preferences: list[str] = Field(default_factory=list, description="e.g. quiet, pool")
    constraints: StayConstraints = Field(default_factory=StayConstraints)
    complaint: ComplaintDetails | None = Field(None, description="For a complaint: what they want, booking, amount")
    past_friction: list[str] = Field(default_factory=list, description="Earlier problems with ticket ids")
    language: str | None = Field(None, description="ISO 639-1")
    summary: str = Field(description="Two sentences for the agent.")


class TicketReading(BaseModel):
    """The ticket triaged and its customer profiled, in one reading."""

    triage: TriageDecision
    profile: CustomerProfile


class EmailDraft(BaseModel):
    """An email to the customer."""

    subject: str
    body: str = Field(description="Plain text, signed.")


class CallAnalysis(BaseModel):
    """Outcome of the voice call, judged from the transcript."""

    booked: bool = Field(description="The customer confirmed a booking.")
    frustrated: bool = Field(description="Upset, asked for a person, or refused angrily.")
    reasons: list[str] = Field(default_factory=list, description="Why a person should follow up, quoting the customer.")
    booked_room_id: str | None = Field(None, description="room_id of the booked offer.")
    agreed_price: str | None = Field(None, description="As said on the call.")
    summary: str


# --- knowledge base --------------------------------------------------------------------------------
class OfferRoom(BaseModel):
    """One room of a several-room offer, at its own list price."""

    room_id: str
    room_name: str
    capacity: int
    price_per_night: float


class Offer(BaseModel):
    """One hotel's offer. A single room: `rooms` is empty (and left out of the dump) and every field
    describes that room. Several rooms of one hotel booked together (a party no single room seats):
    `rooms` lists each room (a room type taken twice is listed twice) with its own price, and the
    top-level fields describe the whole booking: `room_id` joins the rooms' ids with "+",
    `room_name` names them ("2 × Double Room + Family Room"), `capacity` is the seats in total and
    `price_per_night` the total a night for all the rooms."""

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
    rooms: list[OfferRoom] = Field(default_factory=list, description="Each room of a several-room offer; empty for one room.")

    @model_serializer(mode="wrap")
    def _without_empty_rooms(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if not data.get("rooms"):
            data.pop("rooms", None)  # a one-room offer keeps the shape it always had
        return data


class PolicyPassage(BaseModel):
    id: str
    title: str
    text: str
    score: float = 0.0


# --- calls -----------------------------------------------------------------------------------------
class CallTurn(BaseModel):
    """One turn of a call, with its speaker as the provider's structured messages name it (never read
    from a "Speaker:" label in transcript text, which the customer can say aloud)."""

    speaker: Literal["customer", "assistant"]
    text: str


class CallReport(BaseModel):
    """A provider's end-of-call report, normalised."""

    provider: str
    call_id: str
    ended_reason: str = ""
    transcript: str = ""  # the provider's text, for people to read; the turns are what is judged
    turns: list[CallTurn] = Field(default_factory=list)
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
