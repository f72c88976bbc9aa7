"""The decisions the console offers come from the waiting interrupt, whatever it lists."""

from __future__ import annotations

from concierge.console.views import decisions


def test_decisions_are_the_ones_the_wait_lists_each_with_what_it_does():
    offered = decisions({"waiting_for": "human", "actions": ["approve", "retry", "close", "handoff", "reply"]})
    assert [d["action"] for d in offered] == ["approve", "retry", "close", "handoff", "reply"]
    assert "same email thread" in offered[-1]["effect"]


def test_an_action_the_console_does_not_know_is_still_offered_with_a_generic_line():
    [offered] = decisions({"waiting_for": "human", "actions": ["escalate_to_manager"]})
    assert offered == {"action": "escalate_to_manager", "effect": "Resume the thread with “escalate_to_manager”."}


def test_the_langchain_request_shape_is_read_too():
    value = {"waiting_for": "human", "action_requests": [{"name": "review", "args": {}, "description": "why"}],
             "review_configs": [{"action_name": "review", "allowed_decisions": ["approve", "edit", "reject"]}]}
    assert [d["action"] for d in decisions(value)] == ["approve", "edit", "reject"]


def test_a_draft_review_describes_what_sending_means():
    offered = {d["action"]: d["effect"] for d in decisions({"waiting_for": "draft_review", "actions": ["approve", "edit", "reject"]})}
    assert offered["edit"] == "Send your edited version instead of the draft."
    assert "Send nothing" in offered["reject"]


def test_the_llm_cost_of_a_thread_comes_from_its_usage_and_only_when_an_llm_was_paid():
    from concierge.console.analytics import llm_cost

    assert llm_cost({"llm_usage": {"calls": 2, "cost_usd": 0.00129, "offline_calls": 0}}) == 0.00129
    assert llm_cost({"llm_usage": {"calls": 0, "cost_usd": 0.0, "offline_calls": 3}}) is None  # the offline engine
    assert llm_cost({}) is None
