"""Text helpers shared by the offline engine's rules."""

from __future__ import annotations

import re
from typing import Any

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"]
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})


def ticket_text(ticket: dict[str, Any]) -> str:
    return f"{ticket.get('subject', '')}\n{ticket.get('body', '')}"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def quote_matches(pattern: re.Pattern[str], text: str, limit: int = 3) -> list[str]:
    return [s for s in sentences(text) if pattern.search(s)][:limit]


def number(token: str) -> int | None:
    token = token.lower()
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token)
