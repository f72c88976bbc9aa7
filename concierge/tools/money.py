"""Amounts of money and percentages written in text, in any of the usual ways: €160, 160€, EUR 160,
EUR160/night, 160 EUR, 160 euros, one hundred and sixty euros, 90%, 90 per cent, ninety percent.

Numbers written in words are turned into digits first (`text2num`, for the languages it knows), so the
patterns below only ever read digits. Both guards that keep invented prices away from customers use
this module: the email writer's draft check and the voice price guardrail.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from text_to_num import alpha2digit

# Languages text2num converts; any other language is read as English (digits are read in every language).
WORD_LANGUAGES = {"en", "fr", "es", "pt", "de", "nl", "da", "it"}

# Every way of naming a currency we read, lower case, and its ISO code.
CURRENCY_NAMES: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "chf": "CHF", "franc": "CHF", "francs": "CHF",
}
_SYMBOL = r"us\$|[€£$]"
_CODE = r"eur|gbp|usd|chf"
_WORD = r"euros?|pounds?|quid|dollars?|francs?"
# 1,200 and 1,200.50 (thousands with commas), 149.50 and 149,50 (decimals with either mark).
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(?:[.,](\d{1,2}))?(?![\d,.]*\d)"
_BEFORE = re.compile(rf"(?<![a-z])({_SYMBOL}|{_CODE})\s?{_NUMBER}", re.I)  # €10, EUR 10, EUR10/night
_AFTER = re.compile(rf"{_NUMBER}\s?({_SYMBOL}|(?:{_CODE}|{_WORD})(?![a-z]))", re.I)  # 10€, 10 EUR, 10 euros
_PERCENT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s?(?:%|per\s?cent(?:age)?\b|pct\b|pour\s?(?:cent|100)\b|por\s?(?:ciento|cento|100)\b|"
    r"prozent\b|procent\b|per\s?(?:cento|100)\b)",
    re.I,
)
_HALF = re.compile(r"\bhalf[\s-](?:price|off)\b", re.I)


class Amount(NamedTuple):
    value: float
    currency: str  # ISO code


def digits(text: str, language: str = "en") -> str:
    """`text` with its numbers written in words turned into digits ("ninety percent" → "90 percent")."""
    lang = language if language in WORD_LANGUAGES else "en"
    converted = alpha2digit(text, lang)
    return converted if lang == "en" else alpha2digit(converted, "en")  # English words turn up in every language


def _value(whole: str, cents: str | None) -> float:
    return float(whole.replace(",", "")) + (float(f"0.{cents}") if cents else 0.0)


def amounts(text: str, language: str = "en") -> list[Amount]:
    """Every amount of money in `text`, in the order written."""
    text = digits(text, language)
    before = list(_BEFORE.finditer(text))
    found = [(m.start(), Amount(_value(m[2], m[3]), CURRENCY_NAMES[m[1].lower()])) for m in before]
    for m in _AFTER.finditer(text):
        if not any(b.start() <= m.start() < b.end() for b in before):  # "EUR 10 EUR" is one amount
            found.append((m.start(), Amount(_value(m[1], m[2]), CURRENCY_NAMES[m[3].lower()])))
    return [amount for _, amount in sorted(found)]


def percentages(text: str, language: str = "en") -> list[float]:
    """Every percentage in `text` ("half price" is 50)."""
    text = digits(text, language)
    found = [float(m[1].replace(",", ".")) for m in _PERCENT.finditer(text)]
    return found + [50.0] * len(_HALF.findall(text))
