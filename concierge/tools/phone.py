"""Finding a phone number in free text and normalising it to E.164 (libphonenumber)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher


def extract_phone(text: str, default_region: str = "GB") -> str | None:
    """The first valid number in `text`, as E.164; numbers written without a country code use `default_region`."""
    for match in PhoneNumberMatcher(text or "", default_region, leniency=Leniency.VALID):
        return phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
    return None


def normalise_phone(raw: str, default_region: str = "GB") -> str | None:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if phonenumbers.is_valid_number(number) else None
