"""Offline reading of what a stay must, must not and would ideally have."""

from __future__ import annotations

import pytest

from concierge.eval.retrieval import STYLES, phrase, scores
from concierge.tools.llm.offline.profile import profile
from concierge.tools.llm.offline.stay import stay_constraints


@pytest.mark.parametrize(("text", "required", "excluded", "preferred"), [
    ("A cheap guesthouse in the north, parking is a must.", ["area:north", "price_range:cheap", "type:guesthouse", "facility:parking"], [], []),
    ("Somewhere without parking and with wifi, please.", ["facility:internet"], ["facility:parking"], []),
    ("We don't need parking. Ideally with breakfast.", [], [], ["facility:breakfast"]),
    ("Nothing too expensive. At least 4 stars.", ["min_stars:4"], ["price_range:expensive"], []),
    ("It has to be a hotel, unrated is fine.", ["type:hotel", "stars:0"], [], []),
    ("We loved the pool and the breakfast last time.", [], [], ["facility:pool", "facility:breakfast"]),
    # A facility the place should include, or that it has, is asked for; one not needed is neither.
    ("The room should include breakfast. Looking for a place that has a pool.", ["facility:breakfast", "facility:pool"], [], []),
    ("We shouldn't need parking, and it doesn't need to include breakfast.", [], [], []),
    # "Any" clears a slot only when it names it.
    ("A guesthouse in the east. Are there any moderately priced guesthouses in that part of town?",
     ["area:east", "price_range:moderate", "type:guesthouse"], [], []),
    ("A cheap place in the north. Actually any area is fine, and any price.", [], [], []),
])
def test_required_excluded_and_preferred(text, required, excluded, preferred):
    got = stay_constraints(text)
    assert sorted(got["required"]) == sorted(required)
    assert sorted(got["excluded"]) == sorted(excluded)
    assert sorted(got["preferred"]) == sorted(preferred)


def test_an_excluded_amenity_is_not_a_preference():
    read = profile({"ticket": {"subject": "Trip", "body": "A quiet B&B in Cambridge with no parking, please."},
                    "known_destinations": ["Cambridge"]})
    assert read["destination"] == "Cambridge"
    assert "parking" not in read["preferences"]
    assert read["constraints"]["excluded"] == ["facility:parking"]


@pytest.mark.parametrize("style", range(STYLES))
def test_every_phrasing_style_carries_every_constraint(style):
    # Made-up constraints (not a row of the evaluation data): every attribute, negatives and a price cap.
    constraints = {"type": "guesthouse", "area": "south", "pricerange": "moderate", "stars": "2", "parking": "no",
                   "internet": "yes", "max_double_room_price": 90}
    read = profile({"ticket": {"subject": "", "body": phrase(constraints, style)}, "known_destinations": ["Cambridge"]})
    assert sorted(read["constraints"]["required"]) == ["area:south", "facility:internet", "price_range:moderate", "stars:2", "type:guesthouse"]
    assert read["constraints"]["excluded"] == ["facility:parking"]
    assert (read["party_size"], read["budget_per_night"], read["currency"]) == (2, 90.0, "GBP")


def test_a_query_expecting_no_hotel_is_right_only_when_nothing_is_offered():
    assert scores(set(), set()) == (1.0, 1.0, 1.0)
    assert scores({"a"}, set()) == (0.0, 0.0, 0.0)
    assert scores({"a", "b"}, {"a"}) == (0.5, 1.0, pytest.approx(2 / 3))
