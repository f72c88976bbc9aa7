"""When the customer asked to be called, read by exact rules: "call me after 6pm", "tomorrow
morning", "Thursday at 10", "tonight". English only; anything vaguer is left to a person or the LLM.

Only sentences about calling are read ("call", "ring", "reach", "available", "a good time"...), so a
travel plan ("we arrive on Thursday at 10") is not taken for a call time.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

_CALL_WORDS = re.compile(r"\b(call|calls|calling|ring|reach|phone|available|free|talk|speak|contact|"
                         r"good time|best time|works? (best|for me)|is (best|good|fine|ok|better))\b", re.I)
_SENTENCES = re.compile(r"(?<=[.!?;\n])\s+")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_PARTS = {"morning": time(9), "lunchtime": time(12), "noon": time(12), "midday": time(12),
          "afternoon": time(14), "evening": time(18), "tonight": time(19)}
# A clock time: "6pm", "6 p.m.", "18:30", "10.30am", or a bare hour after at/after/from/around ("at 10").
_CLOCK = re.compile(r"(?<![\d+])(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?!\w)|(?<![\d+])(\d{1,2})[:h](\d{2})(?![\d])", re.I)
_BARE_HOUR = re.compile(r"\b(at|after|from|around|about|by|past)\s+(\d{1,2})(?![\d:.]|\s*(am|pm|a\.m|p\.m|%|€|\$|£|nights?|days?|people|guests|adults))", re.I)
_DAY = re.compile(r"\b(today|tonight|tomorrow|day after tomorrow|(?:on |next |this )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b", re.I)
_PART = re.compile(r"\b(morning|lunchtime|noon|midday|afternoon|evening|tonight)\b", re.I)


def _clock(sentence: str) -> time | None:
    match = _CLOCK.search(sentence)
    if match:
        if match[1]:
            hour, minute, half = int(match[1]), int(match[2] or 0), match[3].lower().replace(".", "")
            if not 1 <= hour <= 12 or minute > 59:
                return None
            hour = hour % 12 + (12 if half == "pm" else 0)
        else:
            hour, minute = int(match[4]), int(match[5])
            if hour > 23 or minute > 59:
                return None
        return time(hour, minute)
    match = _BARE_HOUR.search(sentence)
    if match:
        hour = int(match[2])
        if hour > 23:
            return None
        # "at 6" on the phone means the evening: hours up to 7 are taken as p.m.
        return time(hour + 12 if 1 <= hour <= 7 else hour)
    return None


def _day(sentence: str, now: datetime) -> tuple[datetime | None, bool]:
    """The day named in `sentence` (None if none) and whether it was named as a weekday."""
    match = _DAY.search(sentence)
    if not match:
        return None, False
    word = match[1].lower()
    if word in ("today", "tonight"):
        return now, False
    if word in ("tomorrow", "day after tomorrow"):
        return now + timedelta(days=1 if word == "tomorrow" else 2), False
    ahead = (_WEEKDAYS.index(match[2].lower()) - now.weekday()) % 7
    return now + timedelta(days=ahead or (7 if word.startswith("next ") else 0)), True


def requested_call_time(text: str, now: datetime) -> datetime | None:
    """The first call time the customer asked for, as a naive local datetime after `now` (the
    customer's local time, naive), or None when they named none."""
    for sentence in _SENTENCES.split(text):
        if not _CALL_WORDS.search(sentence):
            continue
        clock, (day, weekday) = _clock(sentence), _day(sentence, now)
        part = _PART.search(sentence)
        if clock is None and part is not None:
            clock = _PARTS[part[1].lower()]
        if day is None and clock is None:
            continue
        when = datetime.combine((day or now).date(), clock or time(9))
        if when > now:
            return when
        if day is None:  # a time of day alone that has passed today: tomorrow
            return when + timedelta(days=1)
        if weekday:  # "Thursday at 10", said on Thursday at noon: next week
            return when + timedelta(days=7)
        if clock is None:  # "today", said after 09:00: from now on
            return now.replace(second=0, microsecond=0)
        # "today at 9" said at noon: nothing to act on
    return None


def call_time(data: dict[str, Any]) -> dict[str, Any]:
    """The offline engine's answer for `CallTimeRequest`: `now_local` and `text` in, local time out."""
    now = datetime.fromisoformat(data["now_local"]).replace(tzinfo=None)
    when = requested_call_time(data.get("text") or "", now)
    return {"call_at_local": when.isoformat(timespec="minutes") if when else None}
