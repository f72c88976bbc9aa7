"""Amounts and percentages in text, however they are written."""

from __future__ import annotations

import pytest

from concierge.tools.money import Amount, amounts, percentages


@pytest.mark.parametrize(("text", "amount"), [
    ("EUR 10", Amount(10, "EUR")), ("10 EUR", Amount(10, "EUR")), ("EUR10/night", Amount(10, "EUR")),
    ("€10", Amount(10, "EUR")), ("10€", Amount(10, "EUR")), ("10 €", Amount(10, "EUR")),
    ("ten euros", Amount(10, "EUR")), ("one hundred and sixty euros", Amount(160, "EUR")),
    ("a hundred and forty-four pounds", Amount(144, "GBP")), ("£12", Amount(12, "GBP")),
    ("GBP 12", Amount(12, "GBP")), ("12 GBP", Amount(12, "GBP")), ("twelve quid", Amount(12, "GBP")),
    ("USD 12", Amount(12, "USD")), ("usd12", Amount(12, "USD")), ("$12", Amount(12, "USD")),
    ("US$149", Amount(149, "USD")), ("twelve dollars", Amount(12, "USD")), ("CHF 90", Amount(90, "CHF")),
    ("$1,200.50", Amount(1200.5, "USD")), ("149,50 €", Amount(149.5, "EUR")), ("160.5 euros", Amount(160.5, "EUR")),
])
def test_an_amount_is_read_however_it_is_written(text, amount):
    assert amounts(f"It is {text} a night.") == [amount]


@pytest.mark.parametrize("text", ["room 101, 2 nights", "I used 10 towels", "the 3rd of May", "one of our rooms",
                                  "a 15 minute walk", "call 0044 20 7946 0000", "reference EUR-1234X"])
def test_numbers_without_a_currency_are_no_amounts(text):
    assert amounts(text) == []


def test_amounts_keep_their_order_and_a_doubled_code_is_one_amount():
    assert amounts("€1,234.50 or 99 pounds, EUR 10 EUR") == [Amount(1234.5, "EUR"), Amount(99, "GBP"), Amount(10, "EUR")]


@pytest.mark.parametrize(("text", "found"), [
    ("90% off", [90]), ("90 % off", [90]), ("90 per cent off", [90]), ("90 percent off", [90]), ("90pct off", [90]),
    ("ninety percent off", [90]), ("twenty-five per cent", [25]), ("12.5% off", [12.5]), ("half price", [50]),
    ("half-off this week", [50]), ("no discount", []),
])
def test_a_percentage_is_read_however_it_is_written(text, found):
    assert percentages(text) == found


@pytest.mark.parametrize(("text", "language", "amount"), [
    ("dez euros", "pt", Amount(10, "EUR")), ("diez euros", "es", Amount(10, "EUR")), ("zehn Euro", "de", Amount(10, "EUR")),
    ("cent soixante euros", "fr", Amount(160, "EUR")), ("ten euros", "pt", Amount(10, "EUR")),
])
def test_numbers_in_words_are_read_in_the_texts_language(text, language, amount):
    assert amounts(text, language) == [amount]


@pytest.mark.parametrize(("text", "language"), [("noventa por ciento", "es"), ("quatre-vingt-dix pour cent", "fr"),
                                                ("neunzig Prozent", "de"), ("novanta per cento", "it")])
def test_percentages_in_words_are_read_in_the_texts_language(text, language):
    assert percentages(text, language) == [90]
