"""The offline profile reads what the customer finally asked for: revised and cleared constraints,
hard against soft wording, weekday arrivals, and a complaint in its own terms."""

from concierge.eval.retrieval import read_slots
from concierge.tools.llm.offline.profile import profile
from concierge.tools.llm.offline.stay import stay_constraints

MONDAY = "2026-11-23T09:00:00Z"


def _read(body: str, created_at: str = MONDAY) -> dict:
    return profile({"ticket": {"subject": "", "body": body, "created_at": created_at, "customer": {"name": "Ann"}}})


def test_a_revised_price_range_keeps_the_latest_value():
    c = stay_constraints("I want an expensive guesthouse.\n\nHmm, how about something moderately priced?")
    assert "price_range:moderate" in c["required"]
    assert "price_range:expensive" not in c["required"] + c["preferred"]


def test_a_revised_area_keeps_the_latest_value():
    c = stay_constraints("Somewhere in the west please. Actually, in the north of town would be better.")
    assert [r for r in c["required"] if r.startswith("area:")] == ["area:north"]


def test_either_type_clears_the_type():
    c = stay_constraints("Do you have any 2-star hotel or guesthouse somewhere in town?")
    assert not [x for x in c["required"] + c["preferred"] if x.startswith("type:")]
    assert "stars:2" in c["required"]


def test_price_that_does_not_matter_is_dropped():
    c = stay_constraints("A cheap guesthouse please.\n\nActually the price doesn't really matter.")
    assert not [x for x in c["required"] + c["preferred"] if x.startswith("price_range:")]
    assert "type:guesthouse" in c["required"]


def test_plain_requirements_are_hard_and_softened_ones_are_wishes():
    hard = stay_constraints("I'd like a place with free parking. Do they have wifi?")
    assert {"facility:parking", "facility:internet"} <= set(hard["required"])
    soft = stay_constraints("Breakfast would be nice. Ideally with parking.")
    assert {"facility:breakfast", "facility:parking"} <= set(soft["preferred"])
    assert not soft["required"]


def test_generic_hotel_is_any_lodging_but_an_actual_hotel_is_a_type():
    assert "type:hotel" not in stay_constraints("Can you help me find a hotel in the north?")["required"]
    assert "type:hotel" in stay_constraints("I only care that it is an actual hotel.")["required"]
    assert "type:hotel" in stay_constraints("A hotel, not a B&B, please.")["required"]


def test_a_weekday_arrival_becomes_the_next_such_date_from_the_ticket_date():
    p = _read("A room for 2 people, 5 nights beginning Friday.")
    assert (p["check_in"], p["nights"], p["check_out"]) == ("2026-11-27", 5, "2026-12-02")
    # The same weekday as the ticket's own date is next week's.
    assert _read("Arriving on Monday for 2 nights.")["check_in"] == "2026-11-30"


def test_a_changed_arrival_day_and_night_count_keep_the_latest():
    p = _read("3 nights for 3 people starting Sunday.\n\nOkay, how about on Monday for 2 nights?")
    assert (p["check_in"], p["nights"]) == ("2026-11-30", 2)


def test_a_complaint_states_the_case_and_has_no_budget():
    p = _read("My card was charged twice for my stay (booking WS-58820, 525 EUR each time). I want my money back.")
    assert p["budget_per_night"] is None
    assert p["complaint"] == {"wants": "a refund of a double charge", "booking_reference": "WS-58820",
                              "amount": 525.0, "currency": "EUR"}
    assert "refund of a double charge" in p["summary"] and "WS-58820" in p["summary"]


def test_slots_read_only_hard_constraints():
    p = {"constraints": {"required": ["area:east", "min_stars:4", "facility:parking"], "excluded": ["facility:internet"],
                         "preferred": ["price_range:cheap"]}}
    assert read_slots(p) == {"area": "east", "stars": "4", "parking": "yes", "internet": "no"}
