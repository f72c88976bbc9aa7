"""Calling hours: the next moment a number may be rung, in its local time zone(s)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from concierge.tools.voice.calling_hours import DEFAULT_WINDOW, CallWindow, customer_time_zones, in_window, next_call_time

LONDON, DELHI, NEW_YORK = "+442071234567", "+919812345678", "+12125551234"
SPAIN = "+34612345678"  # Madrid and the Canaries, an hour apart
ST_JOHNS = "+17095551234"  # Newfoundland (UTC-3:30) and Halifax
ADELAIDE = "+61881234567"  # Adelaide (UTC+9:30 / +10:30) and Perth


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("number", "now", "expected"), [
    (LONDON, utc(2026, 1, 12, 7, 0), utc(2026, 1, 12, 9, 0)),  # Monday 07:00 GMT → 09:00 GMT
    (LONDON, utc(2026, 1, 12, 12, 0), utc(2026, 1, 12, 12, 0)),  # inside: now
    (LONDON, utc(2026, 7, 13, 7, 30), utc(2026, 7, 13, 8, 0)),  # 08:30 BST → 09:00 BST = 08:00 UTC
    (LONDON, utc(2026, 1, 12, 20, 0), utc(2026, 1, 13, 9, 0)),  # the window closes at 20:00 sharp
    (DELHI, utc(2026, 1, 12, 2, 0), utc(2026, 1, 12, 3, 30)),  # 07:30 IST (+5:30) → 09:00 IST
    (DELHI, utc(2026, 1, 12, 14, 45), utc(2026, 1, 13, 3, 30)),  # 20:15 IST → tomorrow 09:00 IST
    (NEW_YORK, utc(2026, 1, 12, 13, 0), utc(2026, 1, 12, 14, 0)),  # 08:00 EST → 09:00 EST
    (ST_JOHNS, utc(2026, 1, 12, 12, 0), utc(2026, 1, 12, 13, 0)),  # 08:30 NST, 08:00 AST → 09:00 AST (09:30 NST)
    (ADELAIDE, utc(2026, 1, 11, 23, 0), utc(2026, 1, 12, 1, 0)),  # 09:30 ACDT, 07:00 AWST → 09:00 AWST
    (SPAIN, utc(2026, 1, 12, 8, 30), utc(2026, 1, 12, 9, 0)),  # 09:30 Madrid but 08:30 Canaries
    (SPAIN, utc(2026, 1, 12, 19, 30), utc(2026, 1, 13, 9, 0)),  # 20:30 Madrid: closed; next day both open at 09:00 UTC
])
def test_next_call_time_across_zones(number, now, expected):
    at = next_call_time(number, now)
    assert at == expected
    assert in_window(number, at)


def test_no_sundays_unless_configured():
    saturday_night = utc(2026, 1, 10, 21, 0)  # Saturday 21:00 GMT
    assert next_call_time(LONDON, saturday_night) == utc(2026, 1, 12, 9, 0)  # Monday
    sundays = CallWindow(time(9), time(20), sundays=True)
    assert next_call_time(LONDON, saturday_night, sundays) == utc(2026, 1, 11, 9, 0)


@pytest.mark.parametrize(("now", "sundays", "expected"), [
    # Clocks go forward on Sunday 29 March 2026 (01:00 UTC): the next morning opens at 08:00 UTC.
    (utc(2026, 3, 28, 21, 0), True, utc(2026, 3, 29, 8, 0)),
    (utc(2026, 3, 28, 21, 0), False, utc(2026, 3, 30, 8, 0)),
    # Clocks go back on Sunday 25 October 2026: 20:30 BST on Saturday → Sunday 09:00 GMT = 09:00 UTC.
    (utc(2026, 10, 24, 19, 30), True, utc(2026, 10, 25, 9, 0)),
    (utc(2026, 10, 24, 19, 30), False, utc(2026, 10, 26, 9, 0)),
])
def test_dst_changes(now, sundays, expected):
    assert next_call_time(LONDON, now, CallWindow(time(9), time(20), sundays)) == expected


def test_a_window_opening_inside_a_dst_gap_resolves_to_a_real_instant():
    window = CallWindow(time(1, 30), time(3), sundays=True)  # 01:30 on 29 March 2026 does not exist in London
    at = next_call_time(LONDON, utc(2026, 3, 28, 23, 0), window)
    assert at == utc(2026, 3, 29, 1, 30) and in_window(LONDON, at, window)  # 02:30 BST: inside the window


def test_requested_time_is_kept_when_it_is_inside_the_window():
    now = utc(2026, 1, 12, 10, 0)
    assert next_call_time(LONDON, now, requested=utc(2026, 1, 12, 17, 30)) == utc(2026, 1, 12, 17, 30)
    assert next_call_time(LONDON, now, requested=utc(2026, 1, 12, 22, 0)) == utc(2026, 1, 13, 9, 0)
    assert next_call_time(LONDON, now, requested=utc(2026, 1, 12, 8, 0)) == now  # a time already past: now


def test_never_outside_the_window():
    """Any instant, any of these numbers: the answer is at or after now and inside the window in every zone."""
    rng = random.Random(8)
    for _ in range(400):
        number = rng.choice([LONDON, DELHI, NEW_YORK, SPAIN, ST_JOHNS, ADELAIDE, "+351912345678"])
        now = utc(2026, 1, 1) + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        at = next_call_time(number, now)
        assert now <= at < now + timedelta(days=3)
        for zone in customer_time_zones(number):
            local = at.astimezone(zone)
            assert local.weekday() != 6 and time(9) <= local.time() < time(20), (number, now, local)


def test_a_number_spanning_more_zones_than_the_window_uses_its_first_zone():
    russia = "+79161234567"  # a mobile number: every Russian zone
    at = next_call_time(russia, utc(2026, 1, 12, 0, 0))
    assert DEFAULT_WINDOW.contains(at.astimezone(customer_time_zones(russia)[0]))


@pytest.mark.parametrize("text", ["9-20", "20:00-09:00", "09:00", "nine-ten"])
def test_bad_windows_are_refused_with_a_clear_message(text):
    with pytest.raises(ValueError, match="CALL_WINDOW"):
        CallWindow.parse(text)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        next_call_time(LONDON, datetime(2026, 1, 12, 10, 0))


def test_unknown_numbers_fall_back_to_utc():
    assert customer_time_zones("+80012345678") == [ZoneInfo("UTC")]
