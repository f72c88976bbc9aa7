from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge.tools.phone import extract_phone, normalise_phone

SNIPPETS = Path(__file__).parents[2].parent / "shared/eval/data/phone_snippets.jsonl"


@pytest.mark.parametrize(("text", "region", "e164"), [
    ("You can reach me on +351 912 345 678, afternoons are best.", "GB", "+351912345678"),
    ("Yes, call me on 07911 123456 any time after 5pm.", "GB", "+447911123456"),
    ("Sorry! My number is +34 612 345 678.", "GB", "+34612345678"),
    ("My cell is (415) 555-2671, thanks", "US", "+14155552671"),
    ("Ring me: 0044 20 7946 0958", "GB", "+442079460958"),
    ("Call me at +1 212-921-5500 after lunch", "GB", "+12129215500"),
])
def test_extract_phone_finds_and_normalises(text, region, e164):
    assert extract_phone(text, region) == e164


@pytest.mark.parametrize("text", [
    "I'd rather not share my number, sorry.",
    "Booking WS-48213, 14 to 18 April 2027, 250 euros a night.",
    "Order ID: 3348917502",
    "",
])
def test_extract_phone_ignores_text_without_a_valid_number(text):
    assert extract_phone(text, "GB") is None


def test_the_first_number_wins():
    assert extract_phone("Home +44 20 7946 0958 or mobile +44 7911 123456", "GB") == "+442079460958"


def test_national_numbers_depend_on_the_default_region():
    assert extract_phone("call 020 7946 0958", "GB") == "+442079460958"
    assert extract_phone("call 020 7946 0958", "US") is None


def test_normalise_phone():
    assert normalise_phone("07911 123456") == "+447911123456"
    assert normalise_phone("+351 912 345 678") == "+351912345678"
    assert normalise_phone("12345") is None
    assert normalise_phone("not a number") is None


def test_dev_phone_snippets_accuracy():
    if not SNIPPETS.exists():
        pytest.skip(f"{SNIPPETS} is missing")
    rows = [json.loads(line) for line in SNIPPETS.read_text().splitlines() if line.strip()]
    dev = [r for r in rows if r["split"] == "dev"]  # the holdout rows stay unseen
    assert dev
    correct = 0
    for row in dev:
        hint = row.get("default_region_needed")
        region = (hint.get("region") if isinstance(hint, dict) else hint) or "US"
        expected = (row.get("expected") or {}).get("e164")
        correct += extract_phone(row["text"], region) == expected
    accuracy = correct / len(dev)
    print(f"phone_snippets dev E.164 accuracy: {accuracy:.3f} ({correct}/{len(dev)})")
    assert accuracy >= 0.9
