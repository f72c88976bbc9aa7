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
])
def test_references_and_dates_are_not_read_as_phone_numbers(text):
    assert mask_text(text) == text


def test_identifier_keys_are_kept_and_other_strings_masked():
    value = {"id": "4155550100", "ticket_id": "4155550100", "note": "ring 4155550100", "items": ["+33 6 12 34 56 78"]}
    assert mask_personal(value) == {"id": "4155550100", "ticket_id": "4155550100", "note": "ring 415•••00",
                                    "items": ["+33•••78"]}
