"""Exact signals win over the model's triage: a request for a person, a ticket shouted in capitals
or a complaint about a charge escalates whatever the model read, and a confident escalation by the
offline engine that the model contradicts takes the safer path."""

from __future__ import annotations

import re
from typing import Any

from concierge.schemas import TicketReading
from concierge.tools.llm.offline import triage as offline
from concierge.tools.llm.offline.text import quote_matches, ticket_text

CHARGE_COMPLAINT = re.compile(
    r"\b(double[- ]charged|overcharged|charged (me )?twice|charged (me )?again|wrong(ly)? charged|"
    r"unauthori[sz]ed charge|charge I did not|charge I didn'?t|chargeback)\b", re.I)


def exact_signals(ticket: dict[str, Any]) -> list[str]:
    """Reasons to escalate that no model reading can outweigh, each quoting the customer."""
    text = ticket_text(ticket)
    reasons = [f"Customer asks for a human: “{s}”" for s in offline.asks_for_a_person(text)]
    reasons += ["Customer is upset (message written in capitals)"] if offline.shouted(text) else []
    reasons += [f"Customer complains about a charge: “{s}”" for s in quote_matches(CHARGE_COMPLAINT, text)]
    return reasons


def guard_reading(reading: TicketReading, ticket: dict[str, Any]) -> tuple[TicketReading, list[str]]:
    """The reading with exact signals applied, and notes saying what was overruled (empty: nothing)."""
    decision = reading.triage
    if decision.path == "escalate":
        return reading, []
    reasons = exact_signals(ticket)
    notes = []
    if reasons:
        notes.append(f"the model triaged {decision.path}, but exact signals escalate: {'; '.join(reasons)}")
    else:
        engine = offline.triage({"ticket": ticket})
        if engine["path"] == "escalate" and engine["intent"] in ("contact_human_agent", "complaint"):
            reasons = engine["escalation_reasons"]
            notes.append(f"the model triaged {decision.path}, the offline engine reads {engine['intent']}: "
                         f"the safer path (escalate) is taken")
    if not reasons:
        return reading, []
    escalated = decision.model_copy(update={"path": "escalate", "escalation_reasons": reasons,
                                            "rationale": "Exact signals escalate whatever the model read."})
    return reading.model_copy(update={"triage": escalated}), notes
