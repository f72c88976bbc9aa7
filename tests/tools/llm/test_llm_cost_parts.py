"""The pieces of LLM cost control on their own: the compact tool schema, the usage reducer, the breaker."""

from __future__ import annotations

import json

from concierge.schemas import TicketReading
from concierge.tools.llm.breaker import CircuitBreaker
from concierge.tools.llm.schema import tool_for
from concierge.tools.llm.usage import add_usage


def test_the_tool_schema_is_built_once_and_small():
    tool = tool_for(TicketReading)
    assert tool_for(TicketReading) is tool  # cached: not rebuilt per call
    text = json.dumps(tool)
    assert '"title"' not in text and "$ref" not in text and '"null"' not in text
    assert tool["function"]["parameters"]["properties"]["triage"]["properties"]["path"]["enum"] == ["booking", "support", "escalate"]


def test_the_usage_reducer_adds():
    one = {"calls": 1, "input_tokens": 900, "output_tokens": 200, "cost_usd": 0.00069}
    two = {"calls": 1, "input_tokens": 500, "output_tokens": 150, "cost_usd": 0.00041, "offline_calls": 1}
    total = add_usage(one, two)
    assert total == {"calls": 2, "input_tokens": 1400, "output_tokens": 350, "cost_usd": 0.0011,
                     "offline_calls": 1, "failed_calls": 0}
    assert add_usage(None, None)["calls"] == 0


def test_a_failed_half_open_trial_opens_the_breaker_again():
    now = [0.0]
    breaker = CircuitBreaker(failures=1, window_s=10, cooldown_s=5, clock=lambda: now[0])
    breaker.failed("boom")
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 6.0
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failed("boom again")
    assert breaker.state == "open"
    now[0] = 10.0
    assert breaker.state == "open"  # a new cool-down from the failed trial
    now[0] = 11.5
    assert breaker.state == "half-open"


def test_failures_outside_the_window_do_not_add_up():
    now = [0.0]
    breaker = CircuitBreaker(failures=2, window_s=10, cooldown_s=5, clock=lambda: now[0])
    breaker.failed("one")
    now[0] = 11.0
    breaker.failed("two")
    assert breaker.state == "closed"
