"""Which triage path each source intent of the public data belongs to.

| path | source intents | why |
|---|---|---|
| booking | book_hotel, change_hotel_reservation, add_night (Bitext); book_hotel, book_flight, car_rental, restaurant_reservation, travel_suggestion (CLINC150); place_order, change_order (Bitext customer support) | a sale or a change to one: a travel advisor quotes and books it |
| support | cancel_hotel_reservation, check_hotel_reservation, invoices (Bitext); cancel_reservation, confirm_reservation, accept_reservations, travel_notification, travel_alert, flight_status, lost_luggage, carry_on, international_visa, exchange_rate, translate, timezone, plug_type, vaccines (CLINC150); the other Bitext customer-support intents (orders, refunds, invoices, payments, account, delivery, reviews) | a question or a service request the policies answer; cancelling is service, not a sale |
| escalate | human_agent, file_complaint (Bitext); complaint, contact_human_agent (Bitext customer support); oos, cancel, make_call (CLINC150) | asks for a person or complains; or nothing automated fits (out of scope, a bare "undo that", "call my mom"), so a person reads it |
"""

from __future__ import annotations

BOOKING = {
    "book_hotel", "change_hotel_reservation", "add_night",
    "book_flight", "car_rental", "restaurant_reservation", "travel_suggestion",
    "place_order", "change_order",
}
ESCALATE = {"human_agent", "file_complaint", "complaint", "contact_human_agent", "oos", "cancel", "make_call"}
PATHS = ("booking", "support", "escalate")


def path_of(intent: str) -> str:
    """The triage path of a source intent; every intent not listed as booking or escalate is support."""
    if intent in BOOKING:
        return "booking"
    if intent in ESCALATE:
        return "escalate"
    return "support"


def row_path(row: dict) -> str:
    """The expected path of a row of the shared intent or escalation files."""
    labels = row["labels"]
    return path_of(labels.get("intent") or labels.get("source_intent", ""))
