from __future__ import annotations

import json
from pathlib import Path

import pytest

from concierge.tools.phone import extract_phone, find_phones, normalise_phone, phone_region

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


@pytest.mark.parametrize("text", [
    "Card 4111 1111 1111 1111, expiry 12/27.",
    "Your booking reference is 7911123456 and the price is £1,234.50.",
    "Dates: 2026-12-29 to 2027-01-02, check-in 15:00.",
    "Postcode EH1 1YZ, reservation no. 020 7946 0958.",
    "Invoice 44207946095 total EUR 720",
])
def test_references_prices_dates_postcodes_and_cards_are_not_phones(text):
    assert find_phones(text, "GB") == []


def test_every_distinct_number_with_its_type():
    phones = find_phones("Mobile 07400 123456, home 020 7946 0958, or mobile again +44 7400 123456", "GB")
    assert [(p.e164, p.kind, p.region) for p in phones] == [
        ("+447400123456", "mobile", "GB"), ("+442079460958", "fixed_line", "GB")]
    assert find_phones("07911 123456", "GB")[0].region == "GG"  # a Guernsey mobile range inside +44


def test_a_grouped_number_in_an_area_code_the_metadata_lacks_is_still_read_but_a_bare_run_is_not():
    assert extract_phone("my number is (977) 625-2661", "US") == "+19776252661"
    assert extract_phone("9776252661", "US") is None


@pytest.mark.parametrize("candidates, expected", [
    (("PT", "en-GB"), "PT"), ((None, "pt-PT"), "PT"), ((None, "en_US"), "US"), ((None, None), "GB"), (("XX", "zz"), "GB"),
])
def test_region_from_customer_then_helpdesk_locale_then_default(candidates, expected):
    assert phone_region(*candidates, fallback="GB") == expected


def test_eval_phone_prints_accuracy_and_false_positives_per_split(tmp_path):
    from typer.testing import CliRunner

    from concierge.cli.main import app

    rows = [
        {"text": "Call 020 7946 0958", "expected": {"e164": "+442079460958"}, "default_region_needed": "GB", "split": "dev"},
        {"text": "Order ID: 3348917502", "expected": None, "default_region_needed": None, "split": "dev"},
        {"text": "+1 212-921-5500", "expected": {"e164": "+12129215501"}, "default_region_needed": None, "split": "holdout"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    result = CliRunner().invoke(app, ["eval", "phone", str(path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dev"]["exact_e164_accuracy"] == 1.0 and report["dev"]["false_positives"] == 0
    assert report["holdout"]["exact_e164_accuracy"] == 0.0 and report["holdout"]["false_positives"] == 1
