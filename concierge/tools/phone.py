"""Finding the customer's phone number in free text and normalising it to E.164 (libphonenumber).

Numbers written without a country code are read in a default region: the customer's own (profile),
then the helpdesk's locale, then DEFAULT_PHONE_REGION (`phone_region` picks it).

Before matching, figures that are not phone numbers are blanked out — dates, times, prices, card
numbers and the digits after a label such as "booking", "order" or "postcode" — so a booking
reference or a price can never be dialled. A number libphonenumber knows to be valid is taken; one
that is only *possible* (an area code its metadata lacks) is taken only when written the way people
write phone numbers (grouped, with a parenthesised area code or a leading +).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType

_LABEL = (r"(?:order|booking|reservation|confirmation|reference|ref|invoice|ticket|account|acct|member(?:ship)?|"
          r"loyalty|card|iban|vat|passport|flight|room|id|no\.?|#|postcode|post code|zip(?: code)?|pin|code)")
# A label, optional "number/id/#/:" and then the digits it names (with the separators they may carry).
_LABELLED = re.compile(rf"\b{_LABEL}\b\s*(?:(?:number|nr|no\.?|id|#)\s*)?[:#=]?\s*[A-Z]{{0,4}}[-\s]?\d[\d\s\-/.]*", re.I)
_NOT_PHONES = [
    re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![.\d])(?::\d{1,5})?"),  # IPv4 addresses ("telnet 127.0.0.1 52698")
    re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"),  # ISO dates
    # 24/11/2026, 11-24-26; not a run of more groups ("06.12.34.56.78" is a French number)
    re.compile(r"(?<![\d./-])\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?![\d]|[/.-]\d)"),
    re.compile(r"(?<![\d.])\d{1,2}[:.]\d{2}(?![.:]?\d)\s*(?:am|pm|h)?\b", re.I),  # times
    re.compile(r"(?:[€£$¥₹]|\b(?:EUR|GBP|USD|CHF|AUD|CAD|R\$)\s?)\s?\d[\d,.\s]*\d|\b\d[\d,.]*\s?(?:[€£$]|EUR|GBP|USD|euros?|pounds?|dollars?)\b", re.I),
    re.compile(r"\b(?:\d{4}[ -]){3}\d{1,7}\b"),  # card numbers written in groups of four
    re.compile(r"\b\d{13,19}\b"),  # long runs: card or account numbers
    _LABELLED,
]
_PHONE_SHAPED = re.compile(r"^\+|\(\d{2,5}\)|\d[\s.\-]\d")


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    kind: str  # mobile | fixed_line | fixed_line_or_mobile | voip | toll_free | ... | unknown
    region: str | None
    text: str  # as the customer wrote it


_KINDS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed_line",
          PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.VOIP: "voip",
          PhoneNumberType.TOLL_FREE: "toll_free", PhoneNumberType.PREMIUM_RATE: "premium_rate",
          PhoneNumberType.PERSONAL_NUMBER: "personal", PhoneNumberType.PAGER: "pager", PhoneNumberType.UAN: "uan"}


def _blank_non_phones(text: str) -> str:
    for pattern in _NOT_PHONES:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def find_phones(text: str, default_region: str = "GB") -> list[PhoneNumber]:
    """Every distinct phone number in `text`, in order of appearance."""
    found: dict[str, PhoneNumber] = {}
    for match in PhoneNumberMatcher(_blank_non_phones(text or ""), default_region.upper(), leniency=Leniency.POSSIBLE):
        number = match.number
        if not phonenumbers.is_valid_number(number) and not _PHONE_SHAPED.search(match.raw_string.strip()):
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        kind = _KINDS.get(phonenumbers.number_type(number), "unknown")
        # Numbers shared by several regions (+44 covers GB, GG, JE, IM) belong to the default one when they fit it.
        region = default_region.upper() if phonenumbers.is_valid_number_for_region(number, default_region.upper()) \
            else phonenumbers.region_code_for_number(number)
        found.setdefault(e164, PhoneNumber(e164, kind, region, match.raw_string))
    return list(found.values())


def extract_phone(text: str, default_region: str = "GB") -> str | None:
    """The first phone number in `text`, as E.164."""
    phones = find_phones(text, default_region)
    return phones[0].e164 if phones else None


def phone_region(*candidates: str | None, fallback: str = "GB") -> str:
    """The first usable region among the customer's, the helpdesk's locale ("pt-PT", "en_GB") and the fallback."""
    for candidate in candidates:
        region = (candidate or "").replace("_", "-").split("-")[-1].upper()
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region
    return fallback.upper()


def normalise_phone(raw: str, default_region: str = "GB") -> str | None:
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if phonenumbers.is_valid_number(number) else None
