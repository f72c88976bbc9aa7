"""`concierge eval …` on small files in the shape of the shared data: metrics per split, as JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from concierge.cli.main import app
from concierge.eval.intent_paths import path_of
from tests.conftest import OFFLINE


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    for name in OFFLINE:
        monkeypatch.delenv(name, raising=False)
    from concierge.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write(tmp_path, rows) -> str:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, ["eval", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_escalation_prints_precision_recall_and_f1_per_split(tmp_path):
    rows = [
        {"text": "I want to speak to a real person right now", "labels": {"needs_escalation": True}, "split": "dev"},
        {"text": "What time is check-in?", "labels": {"needs_escalation": False}, "split": "dev"},
        {"text": "Your staff were rude and the room was filthy, I am disgusted", "labels": {"needs_escalation": True}, "split": "holdout"},
    ]
    out = run("escalation", write(tmp_path, rows))
    assert out["engine"] == "offline"
    assert out["splits"]["dev"] == {"n": 2, "accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert out["splits"]["holdout"]["recall"] == 1.0


def test_intent_prints_accuracy_and_the_confusion_matrix(tmp_path):
    rows = [
        {"text": "book me a hotel in rome for two nights", "labels": {"intent": "book_hotel"}, "split": "dev"},
        {"text": "please cancel my hotel reservation", "labels": {"intent": "cancel_hotel_reservation"}, "split": "dev"},
    ]
    dev = run("intent", write(tmp_path, rows))["splits"]["dev"]
    assert dev["accuracy"] == 1.0
    assert dev["confusion"]["booking"] == {"booking": 1, "support": 0, "escalate": 0}
    assert dev["confusion"]["support"]["support"] == 1


def test_outcome_reads_booked_from_the_transcript_alone(tmp_path):
    def dialogue(last: str, booked: bool) -> dict:
        turns = [{"speaker": "customer", "text": "Please book the room."}, {"speaker": "agent", "text": last}]
        return {"turns": turns, "labels": {"booking_succeeded": booked, "needs_person": False}, "split": "dev"}

    rows = [dialogue("Your reservation is confirmed.", True), dialogue("Sorry, the booking failed, no rooms are left.", False)]
    dev = run("outcome", write(tmp_path, rows))["splits"]["dev"]
    assert dev["booked"]["accuracy"] == 1.0
    assert dev["needs_person"]["n"] == 2


def test_source_intents_map_to_the_three_paths():
    assert [path_of(i) for i in ("change_hotel_reservation", "cancel_hotel_reservation", "file_complaint", "oos")] == [
        "booking", "support", "escalate", "escalate"]
