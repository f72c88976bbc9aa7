"""What the LLM costs: calls, tokens and dollars per ticket, in one place.

Every structured call made while a graph step runs is counted on that step's `Meter`; the step's
update adds it to the thread's `llm_usage` (the `add_usage` reducer sums). Listeners registered with
`on_llm_call` see every call as it happens (metrics read them).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

USAGE_KEYS = ("calls", "input_tokens", "output_tokens", "cost_usd", "offline_calls", "failed_calls")


def empty_usage() -> dict[str, Any]:
    return {k: 0 for k in USAGE_KEYS} | {"cost_usd": 0.0}


def add_usage(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """The reducer of the thread's `llm_usage`: each step's usage adds to the total."""
    total = empty_usage()
    for part in (left or {}, right or {}):
        for k in USAGE_KEYS:
            total[k] += part.get(k, 0) or 0
    total["cost_usd"] = round(total["cost_usd"], 8)
    return total


@dataclass(frozen=True)
class Prices:
    """Dollars per million tokens (Groq's list price of llama-3.3-70b-versatile by default)."""

    input_per_mtok: float = 0.59
    output_per_mtok: float = 0.79

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


@dataclass(frozen=True)
class LlmCall:
    """One call as listeners see it."""

    schema: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    outcome: str = "ok"  # ok | failed | offline (the offline engine answered, no LLM)
    thread_id: str | None = None


_listeners: list[Callable[[LlmCall], None]] = []


def on_llm_call(listener: Callable[[LlmCall], None]) -> Callable[[LlmCall], None]:
    """Register `listener` for every LLM call (a metrics exporter, a log). Returns it, so it decorates."""
    _listeners.append(listener)
    return listener


def _notify(call: LlmCall) -> None:
    for listener in list(_listeners):
        try:
            listener(call)
        except Exception:  # a broken exporter never breaks a ticket
            pass


@dataclass
class Meter:
    """The LLM calls of one graph step: its usage, and what the step must know before each call."""

    prices: Prices = field(default_factory=Prices)
    thread_id: str | None = None
    spent_before: float = 0.0  # the thread's spend before this step
    budget_usd: float | None = None  # None: no per-ticket budget
    budget_already_hit: bool = False  # the ticket went to a person for its budget once: no more LLM calls
    breaker: Any = None  # concierge.tools.llm.breaker.CircuitBreaker, or None
    usage: dict[str, Any] = field(default_factory=empty_usage)
    fallbacks: list[str] = field(default_factory=list)  # why calls went to the offline engine instead
    injections: list[str] = field(default_factory=list)  # instruction-like sentences taken out of customer text

    @property
    def spent(self) -> float:
        return self.spent_before + self.usage["cost_usd"]

    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.spent >= self.budget_usd

    def record(self, call: LlmCall) -> None:
        key = {"ok": "calls", "failed": "failed_calls", "offline": "offline_calls"}[call.outcome]
        self.usage[key] += 1
        self.usage["input_tokens"] += call.input_tokens
        self.usage["output_tokens"] += call.output_tokens
        self.usage["cost_usd"] = round(self.usage["cost_usd"] + call.cost_usd, 8)
        _notify(call)


_current: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("concierge_llm_meter", default=None)


def current_meter() -> Meter | None:
    return _current.get()


def record_call(call: LlmCall) -> None:
    """Count a call on the running step's meter, or only tell the listeners when no step runs (evals)."""
    meter = _current.get()
    if meter is None:
        _notify(call)
    else:
        meter.record(call)


@contextmanager
def metering(meter: Meter) -> Iterator[Meter]:
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def describe_usage(usage: dict[str, Any] | None) -> str:
    u = add_usage(usage, None)
    text = f"{u['calls']} LLM call(s), {u['input_tokens']} input + {u['output_tokens']} output tokens, ${u['cost_usd']:.5f}"
    extra = [f"{u['offline_calls']} by the offline engine"] if u["offline_calls"] else []
    extra += [f"{u['failed_calls']} failed"] if u["failed_calls"] else []
    return text + (f" ({', '.join(extra)})" if extra else "")
