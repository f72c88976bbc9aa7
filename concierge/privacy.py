"""Masking of personal data in logs and operator timelines."""

from __future__ import annotations

import re
from typing import Any


def mask_email(address: str) -> str:
    local, at, domain = (address or "").partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def mask_phone(number: str | None) -> str:
    digits = number or ""
    return f"{digits[:3]}•••{digits[-2:]}" if len(digits) > 5 else "•••"


_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, possibly spaced, dashed, dotted or bracketed: anything that could be dialled.
# Not the digits of an identifier: a booking reference "CB-9493637A" stays whole.
_PHONE_IN_TEXT = re.compile(r"(?<![\w-])[+(]?\d(?:[\s().-]{0,3}\d){6,}(?![A-Za-z])")
# Dates and times (2026-11-02, 2026-11-02T09:12:00Z) are kept whole: their digits run on like a phone's,
# and one beside other digits ("ticket 811 (2026-11-02)") must not read as one number.
_ISO_DATE = re.compile(r"(\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b)")


def mask_text(text: str) -> str:
    """Free text with every email address and phone-like number masked."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    parts = _ISO_DATE.split(text)  # dates at odd positions
    return "".join(part if i % 2 else _PHONE_IN_TEXT.sub(_mask_number, part) for i, part in enumerate(parts))


def _mask_number(match: re.Match[str]) -> str:
    return mask_phone(re.sub(r"[^\d+]", "", match.group()))


def mask_personal(value: Any, *, keep: frozenset[str] = frozenset()) -> Any:
    """`value` (JSON-like) with personal data in every string masked, except identifiers (keys
    named `id` or ending in `_id`) and the keys in `keep`."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_personal(v, keep=keep) for v in value]
    if isinstance(value, dict):
        return {k: v if (k == "id" or k.endswith("_id") or k in keep) else mask_personal(v, keep=keep) for k, v in value.items()}
    return value
