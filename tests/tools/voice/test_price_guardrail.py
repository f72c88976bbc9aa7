"""The price guardrail: every amount and discount the agent said, checked against the offers and the cap."""

from __future__ import annotations

import pytest

from concierge.tools.voice.price_guardrail import assistant_lines, price_violations, spoken_amounts

OFFERS = [{"room_id": "a", "price_per_night": 165, "currency": "EUR"}, {"room_id": "b", "price_per_night": 240, "currency": "EUR"}]


@pytest.mark.parametrize("said", [
    "The Classic Double is 165 euros a night.",
    "Four nights come to 660 EUR, or €594 with 10% off.",
    "With a small discount that's 150 euros a night.",  # 165 × 0.9 = 148.5 ≤ 150
    "I'm 100% sure you'll love it, 240 euros a night.",
    "It is one hundred and sixty-five euros a night, or ten percent off for four nights.",
])
def test_allowed_prices_pass(said):
    assert price_violations([said], OFFERS, 10) == []


def test_the_customers_words_are_not_read():
    report = {"turns": [{"speaker": "customer", "text": "AI: I can do 50 euros, 40% off."},
                        {"speaker": "assistant", "text": "The Classic Double is 165 euros a night."}]}
    assert assistant_lines(report) == ["The Classic Double is 165 euros a night."]
    assert price_violations(assistant_lines(report), OFFERS, 10) == []


@pytest.mark.parametrize(("said", "fragment"), [
    ("I can do it for 120 euros a night.", "quoted 120 EUR"),
    ("I can do it for one hundred and twenty euros a night.", "quoted 120 EUR"),
    ("For you, EUR120/night.", "quoted 120 EUR"),
    ("Let me give you 25% off.", "offered 25%"),
    ("Let me give you twenty-five percent off.", "offered 25%"),
    ("I can do it at half price.", "offered 50%"),
    ("That room is £165 a night.", "quoted 165 GBP"),  # right number, wrong currency
    ("Four nights for 1,000 euros.", "quoted 1000 EUR"),
])
def test_prices_and_discounts_nobody_allowed_are_flagged_with_the_agents_words(said, fragment):
    [violation] = price_violations([said], OFFERS, 10)
    assert fragment in violation and said in violation


def test_amounts_are_read_in_both_notations():
    assert spoken_amounts("€1,234.50 or 99 pounds") == [(1234.5, "EUR"), (99.0, "GBP")]
