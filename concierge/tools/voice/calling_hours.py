"""When a customer may be called: inside their local calling window, never on a Sunday unless allowed.

The customer's time zone comes from their number (`phonenumbers.timezone`). A number that maps to
several zones (a country or area code spanning them) may only be called when the time is inside the
window in every one of them, so nobody is rung at 07:00 because we guessed the wrong zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezone

from concierge.settings import parse_clock_window

_UNKNOWN = "Etc/Unknown"


@dataclass(frozen=True)
class CallWindow:
    start: time
    end: time
    sundays: bool = False

    @classmethod
    def parse(cls, text: str, *, sundays: bool = False) -> CallWindow:
        """`"09:00-20:00"` → a window; a clear error for anything else."""
        return cls(*parse_clock_window(text), sundays)

    def allows_day(self, day: date) -> bool:
        return self.sundays or day.weekday() != 6

    def contains(self, local: datetime) -> bool:
        clock = local.time().replace(tzinfo=None)
        return self.allows_day(local.date()) and self.start <= clock and (clock < self.end or self.end == time.max)


DEFAULT_WINDOW = CallWindow(time(9), time(20))


def customer_time_zones(number: str) -> list[ZoneInfo]:
    """The zones a number (E.164) may ring in; UTC when the number tells nothing."""
    zones = [z for z in phone_timezone.time_zones_for_number(phonenumbers.parse(number)) if z != _UNKNOWN]
    return [ZoneInfo(z) for z in zones] or [ZoneInfo("UTC")]


def _next_opening(moment: datetime, zone: ZoneInfo, window: CallWindow) -> datetime:
    """The earliest instant at or after `moment` that is inside `window` in `zone` (UTC)."""
    local = moment.astimezone(zone)
    if window.contains(local):
        return moment
    day = local.date() if local.time().replace(tzinfo=None) < window.start else local.date() + timedelta(days=1)
    while not window.allows_day(day):
        day += timedelta(days=1)
    # Round-tripping through UTC resolves a start that falls in a DST gap to a real instant.
    return datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)


def next_call_time(number: str, now: datetime, window: CallWindow = DEFAULT_WINDOW,
                   requested: datetime | None = None) -> datetime:
    """When to dial `number`: the customer's requested time (or now) if the window allows it, else
    the window's next opening in every zone of the number. Aware datetimes in, UTC out."""
    if now.tzinfo is None or (requested is not None and requested.tzinfo is None):
        raise ValueError("next_call_time needs aware datetimes")
    zones = customer_time_zones(number)
    start = max(now, requested or now).astimezone(UTC)
    moment = start
    for _ in range(32):  # zones of one number lie within hours of each other: a few rounds settle it
        later = max(_next_opening(moment, zone, window) for zone in zones)
        if later == moment:
            return moment
        moment = later
    # The zones span more than the window (a country-wide mobile number): its first zone decides.
    return _next_opening(start, zones[0], window)


def in_window(number: str, moment: datetime, window: CallWindow = DEFAULT_WINDOW) -> bool:
    return next_call_time(number, moment, window) == moment.astimezone(UTC)
