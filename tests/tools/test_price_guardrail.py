"""The price guardrail: every amount and discount the agent said, checked against the offers and the cap."""

from __future__ import annotations

import pytest

from concierge.tools.voice.price_guardrail import price_violations, spoken_amounts

OFFERS = [{"room_id": "a", "price_per_night": 165, "currency": "EUR"}, {"room_id": "b", "price_per_night": 240, "currency": "EUR"}]


@pytest.mark.parametrize("said", [
    "AI: The Classic Double is 165 euros a night.",
    "AI: Four nights come to 660 EUR, or €594 with 10% off.",
    "AI: With a small discount that's 150 euros a night.",  # 165 × 0.9 = 148.5 ≤ 150
    "AI: I'm 100% sure you'll love it, 240 euros a night.",
    "User: Could you do 50 euros? I want 40% off.",  # the customer's words are not the agent's
])
def test_allowed_prices_pass(said):
    assert price_violations(said, OFFERS, 10) == []


@pytest.mark.parametrize(("said", "fragment"), [
    ("AI: I can do it for 120 euros a night.", "quoted 120 EUR"),
    ("AI: Let me give you 25% off.", "offered 25%"),
    ("AI: That room is £165 a night.", "quoted 165 GBP"),  # right number, wrong currency
    ("assistant: Four nights for 1,000 euros.", "quoted 1000 EUR"),
])
def test_prices_and_discounts_nobody_allowed_are_flagged_with_the_agents_words(said, fragment):
    [violation] = price_violations(said, OFFERS, 10)
    assert fragment in violation and said.split(":", 1)[1].strip() in violation


def test_amounts_are_read_in_both_notations():
    assert spoken_amounts("€1,234.50 or 99 pounds") == [(99.0, "GBP"), (1234.5, "EUR")]
