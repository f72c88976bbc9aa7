"""The offline engine's rules on the demo tickets and on other realistic customer texts."""

from __future__ import annotations

import json

import pytest

from concierge.settings import PACKAGE_DATA
from concierge.tools.llm.offline.call import analyse_call
from concierge.tools.llm.offline.profile import profile
from concierge.tools.llm.offline.triage import triage
from tests.agents.helpers import labelled_turns

SEED = json.loads((PACKAGE_DATA / "demo_tickets.json").read_text())
TICKETS = {t["id"]: t for t in SEED["tickets"]}
CUSTOMERS = {c["id"]: c for c in SEED["customers"]}
CITIES = sorted({h["city"] for h in json.loads((PACKAGE_DATA / "inventory.json").read_text())["hotels"]})


def triage_of(ticket_id: str) -> dict:
    t = TICKETS[ticket_id]
    return triage({"ticket": {"subject": t["subject"], "body": t["body"]}})


def profile_of(ticket_id: str) -> dict:
    """The profiler's payload, built as the profiler builds it: the ticket, the customer's other tickets, the KB's cities."""
    t = TICKETS[ticket_id]
    history = sorted((h for h in SEED["tickets"] if h["customer_id"] == t["customer_id"] and h["id"] != ticket_id),
                     key=lambda h: h["created_at"])
    customer = CUSTOMERS[t["customer_id"]]
    return profile({
        "ticket": {"subject": t["subject"], "body": t["body"],
                   "customer": {"id": customer["id"], "name": customer["name"], "email": customer["email"]}},
        "history": [{k: h[k] for k in ("id", "subject", "body", "status", "created_at")} for h in history],
        "known_destinations": CITIES,
    })


# --- triage ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("ticket_id", "path"), [
    ("1001", "booking"), ("1002", "support"), ("1003", "escalate"), ("1004", "booking"),
    ("1005", "booking"), ("1006", "booking"), ("1007", "support"),
])
def test_demo_tickets_take_their_path(ticket_id, path):
    assert triage_of(ticket_id)["path"] == path


def test_the_angry_demo_ticket_escalates_quoting_the_customer():
    decision = triage_of("1003")
    assert decision["sentiment"] == "angry"
    assert decision["intent"] == "contact_human_agent"
    reasons = " ".join(decision["escalation_reasons"])
    assert "I want to speak to a real person NOW" in reasons
    assert "third time" in reasons


def test_support_demo_tickets_name_the_topic_asked_about():
    assert triage_of("1002")["intent"] == "check_in_question"
    assert triage_of("1007")["intent"] == "pets_question"
    assert triage_of("1002")["escalation_reasons"] == []


@pytest.mark.parametrize(("text", "path"), [
    ("I want to speak to a manager about my booking.", "escalate"),
    ("Can I talk to a real person please?", "escalate"),
    ("THIS IS THE WORST SERVICE I HAVE EVER HAD, I AM FURIOUS", "escalate"),
    ("This is unacceptable, I'm going to file a complaint.", "escalate"),
    ("Is breakfast included at the Lisbon hotel?", "support"),
    ("What time is check-out on Sunday?", "support"),
    ("We would like to book a double room in Paris for 3 nights in May.", "booking"),
    ("We would like to add an extra night to our stay.", "booking"),
    ("Hello", "escalate"),  # nothing automated fits
])
def test_triage_on_realistic_texts(text, path):
    assert triage({"ticket": {"subject": "", "body": text}})["path"] == path


def test_extending_a_stay_is_an_upsell():
    assert triage({"ticket": {"subject": "", "body": "Could we add an extra night?"}})["intent"] == "upsell"


def test_shouting_counts_as_upset():
    decision = triage({"ticket": {"subject": "", "body": "WHERE IS MY REFUND, NOBODY HAS ANSWERED ME FOR WEEKS"}})
    assert decision["path"] == "escalate"
    assert any("capitals" in r for r in decision["escalation_reasons"])


# --- profile -----------------------------------------------------------------------------------------
def test_profile_of_ticket_1001():
    p = profile_of("1001")
    assert p["name"] == "Maria Costa"
    assert p["party_size"] == 3
    assert p["destination"] == "Lisbon"
    assert (p["check_in"], p["check_out"], p["nights"]) == ("2027-04-14", "2027-04-18", 4)
    assert (p["budget_per_night"], p["currency"]) == (250.0, "EUR")
    assert "quiet" in p["preferences"]
    [friction] = p["past_friction"]  # the noisy room of ticket 768, not the missing confirmation of 731
    assert friction.startswith("ticket 768 (2025-05-06)") and "Noisy room" in friction
    assert "Past friction" in p["summary"]


def test_profile_of_ticket_1005_counts_the_whole_family():
    p = profile_of("1005")
    assert (p["party_size"], p["children"]) == (4, 2)
    assert p["destination"] == "Rome"
    assert (p["check_in"], p["check_out"], p["nights"]) == ("2027-08-02", "2027-08-07", 5)
    assert p["budget_per_night"] == 300.0


def test_profile_of_ticket_1006_spans_the_new_year():
    p = profile_of("1006")
    assert (p["check_in"], p["check_out"], p["nights"]) == ("2026-12-29", "2027-01-02", 4)
    assert p["party_size"] == 2
    assert p["destination"] == "Edinburgh"
    assert p["budget_per_night"] is None  # no budget given: left empty, not guessed
    assert p["past_friction"] == []
    assert "No past friction" in p["summary"]


def test_profile_of_ticket_1004():
    p = profile_of("1004")
    assert (p["party_size"], p["destination"], p["budget_per_night"]) == (2, "Barcelona", 250.0)
    assert "pool" in p["preferences"]


def test_profile_only_picks_destinations_the_kb_knows():
    data = {"ticket": {"subject": "Trip", "body": "Two of us want to visit Tokyo and then maybe Lisbon."},
            "known_destinations": ["Paris", "Rome"]}
    assert profile(data)["destination"] is None


@pytest.mark.parametrize(("text", "budget"), [
    ("up to £180 per night", (180.0, "GBP")),
    ("around €220 a night", (220.0, "EUR")),
    ("no more than 150 euros", (150.0, "EUR")),
    ("a budget of $300", (300.0, "USD")),
])
def test_profile_reads_the_budget_and_currency(text, budget):
    p = profile({"ticket": {"subject": "", "body": text}})
    assert (p["budget_per_night"], p["currency"]) == budget


def test_profile_dates_across_months():
    p = profile({"ticket": {"subject": "", "body": "Two adults, from 30 May to 2 June 2027 please."}})
    assert (p["check_in"], p["check_out"], p["nights"]) == ("2027-05-30", "2027-06-02", 3)


# --- call analysis -----------------------------------------------------------------------------------
OFFERS = [{"room_id": "lisbon-estrela-garden-triple", "hotel_name": "Estrela Garden Residence"},
          {"room_id": "lisbon-casa-alfama-triple", "hotel_name": "Casa Alfama Boutique Hotel"}]


def test_a_confirmed_call_is_booked_on_the_hotel_mentioned():
    transcript = ("AI: The Superior Triple at Casa Alfama Boutique Hotel is 215 euros a night. Shall I book it?\n"
                  "User: Yes, that sounds perfect, please book it.\nAI: Done: it is booked.\nUser: Great, thank you!")
    a = analyse_call({"turns": labelled_turns(transcript), "success_evaluation": "true", "offers": OFFERS})
    assert a["booked"] is True and a["frustrated"] is False
    assert a["booked_room_id"] == "lisbon-casa-alfama-triple"
    assert a["reasons"] == []


def test_a_frustrated_call_is_not_booked_and_quotes_the_customer():
    transcript = ("AI: Shall I book it?\nUser: This is ridiculous, I want to speak to a real person.\n"
                  "AI: I'll ask a colleague to call you.")
    a = analyse_call({"turns": labelled_turns(transcript), "success_evaluation": "false", "offers": OFFERS})
    assert a["booked"] is False and a["frustrated"] is True
    assert any("I want to speak to a real person" in r for r in a["reasons"])


def test_agreement_without_provider_success_is_not_a_booking():
    transcript = "AI: Shall I book it?\nUser: Yes, sounds good."
    a = analyse_call({"turns": labelled_turns(transcript), "success_evaluation": "false", "offers": OFFERS})
    assert a["booked"] is False
    assert a["reasons"] == ["The call ended without a booking."]


def test_a_silent_call_gives_a_reason():
    a = analyse_call({"turns": [], "ended_reason": "customer-did-not-answer"})
    assert a["booked"] is False
    assert "customer-did-not-answer" in a["reasons"][0]
