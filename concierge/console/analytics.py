"""Whether the AI earns its keep, from every thread's state: the funnel, why tickets escalate, how
fast customers hear back and tickets close, and what a ticket costs where the cost is known."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

FUNNEL = ("tickets", "offers sent", "replies", "calls", "booked")
ESCALATION_SOURCES = {
    "triage": "asked for a person / upset in the ticket", "call": "on the call", "reply": "in the email reply",
    "email": "email could not be delivered", "review": "draft rejected by an operator", "error": "a step failed",
    "retriever": "nothing in the inventory fits", "guardrail": "price guardrail",
}


@dataclass
class Analytics:
    funnel: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FUNNEL, 0))
    escalations: Counter = field(default_factory=Counter)
    minutes_to_first_email: list[float] = field(default_factory=list)
    minutes_to_resolution: list[float] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)

    @staticmethod
    def middle(values: list[float]) -> float | None:
        return round(median(values), 2) if values else None


def _at(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() / 60 if start and end else None


def booked(values: dict[str, Any]) -> bool:
    summary = (values.get("outcome") or {}).get("summary", "")
    return (values.get("outcome") or {}).get("status") == "resolved" and summary.startswith("Booked")


def llm_cost(values: dict[str, Any]) -> float | None:
    """The thread's LLM spend in USD from its `llm_usage`; None when no paid LLM call was made (the
    offline engine costs nothing, and "unknown" is not "free")."""
    usage = values.get("llm_usage") or {}
    return float(usage.get("cost_usd") or 0) if usage.get("calls") else None


def escalation_label(escalation: dict[str, Any]) -> str:
    source = escalation.get("source") or "other"
    return ESCALATION_SOURCES.get(source, source)


def analyse(states: list[dict[str, Any]]) -> Analytics:
    result = Analytics()
    for values in states:
        emails, log = values.get("emails") or [], values.get("log") or []
        result.funnel["tickets"] += 1
        result.funnel["offers sent"] += any(e.get("kind") in ("offer", "confirm_by_email") for e in emails)
        result.funnel["replies"] += bool(values.get("replies"))
        result.funnel["calls"] += bool(values.get("calls"))
        result.funnel["booked"] += booked(values)
        if values.get("escalations"):
            result.escalations[escalation_label(values.get("escalation") or {})] += 1
        started = _at(log[0]["at"]) if log else None
        first = _minutes(started, _at(emails[0].get("sent_at")) if emails else None)
        if first is not None:
            result.minutes_to_first_email.append(first)
        if values.get("stage") == "done":
            closed = next((_at(e["at"]) for e in reversed(log) if e.get("node") == "closer"), None)
            if (took := _minutes(started, closed)) is not None:
                result.minutes_to_resolution.append(took)
        if (cost := llm_cost(values)) is not None:
            result.costs.append(cost)
    return result
