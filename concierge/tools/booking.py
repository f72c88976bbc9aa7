"""A booking (made on a call, or confirmed by email): what was agreed, the customer's confirmation
email, and the signed record the company's booking system (or PMS) receives.

Every figure comes from the knowledge base's offer and the amounts the price guardrail allowed;
the cancellation terms are the knowledge base's own policy text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from concierge.keys import keyed_digest
from concierge.tools.signing import HmacSignature, SignedWebhooks
from concierge.tools.voice.price_guardrail import assistant_lines, spoken_amounts

CANCELLATION_QUERY = "cancellation policy refundable and non-refundable rates"


class BookingRecord(BaseModel):
    reference: str
    idempotency_key: str  # the receiver deduplicates on it: a repeated delivery books nothing twice
    thread_id: str
    ticket_id: str
    customer: dict[str, Any]  # name, email, phone (E.164)
    hotel_id: str
    hotel_name: str
    room_id: str
    room_name: str
    city: str
    check_in: str | None = None
    check_out: str | None = None
    nights: int | None = None
    guests: int | None = None
    price_per_night: float
    list_price_per_night: float
    discount_pct: float = 0.0
    currency: str
    total_price: float | None = None
    # Several rooms booked together: each room with its list and agreed price a night (the agreed
    # total's discount spread evenly); the fields above then describe the whole booking. Empty for one room.
    rooms: list[dict[str, Any]] = []
    refundable: bool
    cancellation_terms: str
    channel: Literal["call", "email"]  # where the customer said yes
    call: dict[str, Any] | None = None  # call_id, provider, duration_s, cost (a booking made on a call)
    booked_at: str


def _nights(check_in: str | None, check_out: str | None, fallback: int | None) -> int | None:
    if check_in is None or check_out is None:
        return fallback
    try:
        return (date.fromisoformat(check_out) - date.fromisoformat(check_in)).days or fallback
    except (TypeError, ValueError):
        return fallback


def agreed_price(offer: dict[str, Any], analysis: dict[str, Any], report: dict[str, Any], max_discount_pct: float) -> float:
    """The nightly price agreed on the call: the provider's figure, else the last nightly price the
    agent said, else the one in the call's analysis — the first that lies between the capped
    discount and the list price; the list price otherwise."""
    list_price, currency = float(offer["price_per_night"]), offer["currency"]
    floor = list_price * (1 - max_discount_pct / 100)
    said = [a for line in reversed(assistant_lines(report)) for a in reversed(spoken_amounts(line))]
    said += spoken_amounts(analysis.get("agreed_price") or "")
    candidates = [(report.get("outcome") or {}).get("agreed_price_per_night"), *(v for v, c in said if c == currency)]
    for value in candidates:
        if isinstance(value, int | float) and not isinstance(value, bool) and floor - 0.5 <= value <= list_price:
            return round(float(value), 2)
    return list_price


def booked_offer(state: Mapping[str, Any]) -> dict[str, Any] | None:
    """The offered room that was booked: the one confirmed by email, or the one the call's analysis
    (or the provider's) names — the only offer when there was one; None when it is not known."""
    if state.get("stage") == "booked_by_email":
        return state.get("chosen_offer")
    report = state.get("call_report") or {}
    room_id = (state.get("call_analysis") or {}).get("booked_room_id") or (report.get("outcome") or {}).get("chosen_room_id")
    offers = state.get("offers") or []
    return next((o for o in offers if o["room_id"] == room_id), offers[0] if len(offers) == 1 and not room_id else None)


def build_booking(state: Mapping[str, Any], *, cancellation: str, signing_key: str, max_discount_pct: float) -> BookingRecord | None:
    """The booking the thread made (on a call, or confirmed by email), or None when the booked room
    is not one of the thread's offers."""
    offer = booked_offer(state)
    if offer is None:
        return None
    by_email = state.get("stage") == "booked_by_email"
    report = {} if by_email else state.get("call_report") or {}
    provider = report.get("outcome") or {}
    profile, ticket = state.get("profile") or {}, state["ticket"]
    check_in = provider.get("check_in") or profile.get("check_in")
    check_out = provider.get("check_out") or profile.get("check_out")
    nights = _nights(check_in, check_out, profile.get("nights"))
    # By email the offer's own price was confirmed; on a call, what was agreed on it.
    price = float(offer["price_per_night"]) if by_email else agreed_price(offer, state.get("call_analysis") or {}, report, max_discount_pct)
    key = f"{state['thread_id']}:booking:{'email' if by_email else report.get('call_id', '')}"
    return BookingRecord(
        reference="CB-" + keyed_digest(signing_key, "booking", key, length=8).upper(),
        idempotency_key=key,
        thread_id=state["thread_id"],
        ticket_id=ticket["id"],
        customer={"name": ticket["customer"]["name"], "email": ticket["customer"]["email"], "phone": state.get("phone")},
        hotel_id=offer["hotel_id"], hotel_name=offer["hotel_name"], room_id=offer["room_id"], room_name=offer["room_name"],
        city=offer["city"], check_in=check_in, check_out=check_out, nights=nights, guests=profile.get("party_size"),
        price_per_night=price, list_price_per_night=float(offer["price_per_night"]),
        discount_pct=round(100 * (1 - price / offer["price_per_night"]), 1) if offer["price_per_night"] else 0.0,
        currency=offer["currency"], total_price=round(price * nights, 2) if nights else None,
        rooms=[{**r, "list_price_per_night": float(r["price_per_night"]),
                "price_per_night": round(float(r["price_per_night"]) * price / float(offer["price_per_night"]), 2)}
               for r in offer.get("rooms") or []],
        refundable=bool(offer.get("refundable", True)), cancellation_terms=cancellation,
        channel="email" if by_email else "call",
        call=None if by_email else {"call_id": report.get("call_id"), "provider": report.get("provider"),
                                    "duration_s": report.get("duration_s"), "cost": report.get("cost")},
        booked_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _money(amount: float, currency: str) -> str:
    symbol = {"EUR": "€", "GBP": "£", "USD": "$"}.get(currency, f"{currency} ")
    return f"{symbol}{amount:,.2f}".replace(".00", "")


def confirmation_email(booking: BookingRecord, company: str) -> dict[str, str]:
    """The customer's written confirmation of what was agreed on the call."""
    b = booking
    when = f"{b.check_in} to {b.check_out}" if b.check_in and b.check_out else "the dates we agreed"
    price = f"{_money(b.price_per_night, b.currency)} per night" + (" for all the rooms" if b.rooms else "")
    if b.discount_pct:
        price += f" ({b.discount_pct:g}% off the {_money(b.list_price_per_night, b.currency)} rate)"
    lines = [
        f"Dear {b.customer['name'].split()[0]},", "",
        ("Thank you for your time on the phone. As agreed, your stay is booked:" if b.channel == "call"
         else "Thank you for confirming. Your stay is booked:"), "",
        f"Booking reference: {b.reference}",
        f"Hotel: {b.hotel_name}, {b.city}",
        *([f"Room: {b.room_name}"] if not b.rooms else
          [f"Rooms ({len(b.rooms)}):", *(f"- {r['room_name']} (sleeps {r['capacity']}): {_money(r['price_per_night'], b.currency)} per night"
                                          for r in b.rooms)]),
        f"Dates: {when}" + (f" ({b.nights} nights)" if b.nights else ""),
        *([f"Guests: {b.guests}"] if b.guests else []),
        f"Price: {price}",
        *([f"Total: {_money(b.total_price, b.currency)}"] if b.total_price else []),
        f"Rate: {'refundable' if b.refundable else 'non-refundable'}", "",
        "Cancellation terms:", b.cancellation_terms, "",
        "If anything here is not what you agreed, just reply to this email and we will put it right.", "",
        "Warm regards,", f"{company} Concierge",
    ]
    return {"subject": f"Booking confirmed: {b.hotel_name} ({b.reference})", "body": "\n".join(lines)}


class BookingNotAcknowledged(Exception):
    """The booking system did not answer 2xx; the record is delivered again later."""


class BookingWebhook:
    """Posts booking records to BOOKING_WEBHOOK_URL, signed like Concierge's generic webhooks."""

    def __init__(self, url: str, secret: str, *, attempts: int = 3, max_wait_s: float = 2.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url
        self.auth = SignedWebhooks(HmacSignature([secret]), path_prefix="/")
        self.attempts = attempts
        self.max_wait_s = max_wait_s
        self.transport = transport

    async def deliver(self, record: BookingRecord) -> dict[str, Any]:
        """Deliver with a few quick retries; raises `BookingNotAcknowledged` when it was never acknowledged."""
        body = json.dumps(record.model_dump(), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": record.idempotency_key}
        async with httpx.AsyncClient(auth=self.auth, timeout=10, transport=self.transport) as client:
            async for attempt in AsyncRetrying(stop=stop_after_attempt(self.attempts), reraise=True,
                                               wait=wait_exponential(multiplier=0.2, max=self.max_wait_s),
                                               retry=retry_if_exception_type(BookingNotAcknowledged)):
                with attempt:
                    try:
                        response = await client.post(self.url, content=body, headers=headers)
                    except httpx.TransportError as exc:
                        raise BookingNotAcknowledged(f"{type(exc).__name__}: {exc}") from exc
                    if not response.is_success:
                        raise BookingNotAcknowledged(f"HTTP {response.status_code}: {response.text[:200]}")
        return {"status": response.status_code, "acknowledged_at": datetime.now(UTC).isoformat(timespec="seconds")}
