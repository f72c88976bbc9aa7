"""Booking confirmation: a call booked a stay (or the customer confirmed one by email), so they get
it in writing — hotel, room, dates, guests, the agreed price and the knowledge base's cancellation
terms. The email goes out through `send_email` (threaded, once); the booking record follows in
`booking_record`."""

from __future__ import annotations

from langgraph.runtime import Runtime

from concierge.graph.context import Context, services_of
from concierge.graph.state import TicketState, log
from concierge.tools.booking import CANCELLATION_QUERY, build_booking, confirmation_email


async def booking_confirmation(state: TicketState, runtime: Runtime[Context]) -> dict:
    services = await services_of(runtime)
    settings = services.settings
    policies = await services.kb.asearch_policies(CANCELLATION_QUERY, k=1)
    cancellation = policies[0].text if policies else "See the cancellation policy on our website, or reply to ask."
    booking = build_booking(state, cancellation=cancellation, signing_key=settings.signing_key,
                            max_discount_pct=settings.max_discount_pct)
    if booking is None:  # booked, but not which of our rooms: a person confirms it, nobody guesses
        reason = ("The customer booked, but neither what they said nor the provider's analysis tells which of the "
                  "offered rooms; confirm the room with the customer before confirming the booking.")
        return {"stage": "escalating", "escalation": {"reasons": [reason], "source": "call"},
                "log": log("booking_confirmation", reason)}
    draft = confirmation_email(booking, settings.company_name)
    return {"booking": booking.model_dump(), "draft": {"kind": "booking_confirmation", **draft}, "stage": "drafted",
            "log": log("booking_confirmation", f"booking {booking.reference}: {booking.hotel_name} — {booking.room_name}, "
                                               f"{booking.price_per_night:g} {booking.currency}/night")}
