"""Masking of personal data in logs and operator timelines."""

from __future__ import annotations


def mask_email(address: str) -> str:
    local, at, domain = (address or "").partition("@")
    return f"{local[:1]}***{at}{domain}" if at else "***"


def mask_phone(number: str | None) -> str:
    digits = number or ""
    return f"{digits[:3]}•••{digits[-2:]}" if len(digits) > 5 else "•••"
