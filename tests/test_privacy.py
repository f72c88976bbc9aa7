"""Masking personal data in text: phone numbers and emails go, identifiers and dates stay."""

from __future__ import annotations

import pytest

from concierge.privacy import mask_personal, mask_text


@pytest.mark.parametrize(("text", "masked"), [
    ("Call me on +44 7700 900123 after 5pm.", "Call me on +44•••23 after 5pm."),
    ("My number is (415) 555-0100.", "My number is 415•••00."),
    ("tel:+14155550100", "tel:+14•••00"),
    ("Write to anna.silva@example.com", "Write to a***@example.com"),
])
def test_phone_numbers_and_emails_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "Booked: reference CB-9493637A, 3 nights.",
    "Reference CB-94936370 confirmed.",
    "Order A12345678 shipped.",
    "Check-in 2026-12-03, check-out 2026-12-06.",
    "ticket 811 (2026-11-02): Noisy room",  # a ticket number beside a date, as the profile cites past friction
    "Sent 2026-11-20T09:12:00Z, answered 2026-11-20 10:30",
])
def test_references_and_dates_are_not_read_as_phone_numbers(text):
    assert mask_text(text) == text


def test_a_phone_number_beside_a_date_is_still_masked():
    assert mask_text("Call 07911 123456 on 2026-11-02") == "Call 079•••56 on 2026-11-02"


def test_identifier_keys_are_kept_and_other_strings_masked():
    value = {"id": "4155550100", "ticket_id": "4155550100", "note": "ring 4155550100", "items": ["+33 6 12 34 56 78"]}
    assert mask_personal(value) == {"id": "4155550100", "ticket_id": "4155550100", "note": "ring 415•••00",
                                    "items": ["+33•••78"]}
