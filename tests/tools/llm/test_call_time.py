"""The offline engine's reading of a requested call time ("call me after 6pm", "Thursday at 10")."""

from __future__ import annotations

from datetime import datetime

import pytest

from concierge.tools.llm.offline.call_time import call_time, requested_call_time

NOW = datetime(2026, 11, 24, 15, 20)  # a Tuesday afternoon, the customer's local time


@pytest.mark.parametrize(("text", "expected"), [
    ("Call me after 6pm.", datetime(2026, 11, 24, 18, 0)),
    ("Please call tomorrow morning.", datetime(2026, 11, 25, 9, 0)),
    ("Thursday at 10 works for me.", datetime(2026, 11, 26, 10, 0)),
    ("You can reach me on +44 7700 900123 at 10", datetime(2026, 11, 25, 10, 0)),  # 10:00 has passed today
    ("My number is 0612345678, call after 18:30", datetime(2026, 11, 24, 18, 30)),
    ("Best time to call is after 6", datetime(2026, 11, 24, 18, 0)),  # a bare evening hour is p.m.
    ("Call me tonight", datetime(2026, 11, 24, 19, 0)),
    ("Ring me next Tuesday morning", datetime(2026, 12, 1, 9, 0)),
    ("Ring me on Tuesday at 2", datetime(2026, 12, 1, 14, 0)),  # today's 14:00 has passed: next week
    ("I am free to talk at 9.30am", datetime(2026, 11, 25, 9, 30)),
])
def test_requested_times_are_read(text, expected):
    assert requested_call_time(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "We arrive on Thursday at 10 and leave on Sunday.",  # a travel plan, not a call time
    "Call me any time on +351 912 345 678",
    "Please call me, the room for 3 people at 2 nights is fine",
    "Call me today at 9am",  # passed already today
    "",
])
def test_no_time_is_made_up(text):
    assert requested_call_time(text, NOW) is None


def test_the_engine_answers_in_the_schema_shape():
    assert call_time({"now_local": "2026-11-24T15:20+00:00", "text": "call me after 6pm"}) == {"call_at_local": "2026-11-24T18:00"}
    assert call_time({"now_local": "2026-11-24T15:20+00:00", "text": "thanks"}) == {"call_at_local": None}
