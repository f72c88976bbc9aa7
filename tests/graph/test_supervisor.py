"""The supervisor routes every stage to the next node; routing is plain code, so every branch is checked."""

from __future__ import annotations

import pytest
from langgraph.graph import END
from langgraph.types import Command

from concierge.graph.graph import STEPS, build_graph
from concierge.graph.supervisor import next_node, supervisor

ROUTES = [
    pytest.param({}, "intake", id="no-stage-means-new"),
    pytest.param({"stage": "new"}, "intake", id="new"),
    pytest.param({"stage": "received"}, "triage", id="received"),
    pytest.param({"stage": "triaged", "path": "booking"}, "profiler", id="triaged-booking"),
    pytest.param({"stage": "triaged", "path": "support"}, "retriever", id="triaged-support"),
    pytest.param({"stage": "triaged", "path": "escalate"}, "profiler", id="triaged-escalate"),
    pytest.param({"stage": "profiled", "path": "booking"}, "retriever", id="profiled"),
    pytest.param({"stage": "profiled", "path": "escalate"}, "escalation", id="profiled-escalate"),
    pytest.param({"stage": "retrieved", "path": "booking"}, "email_writer", id="retrieved"),
    pytest.param({"stage": "drafted"}, "send_email", id="drafted"),
    pytest.param({"stage": "drafted", "draft": {"kind": "offer", "review": True}}, "review_draft", id="drafted-for-review"),
    pytest.param({"stage": "draft_approved", "draft": {"kind": "offer", "review": False}}, "send_email", id="draft-approved"),
    pytest.param({"stage": "email_sent", "path": "support"}, "closer", id="email-sent-support"),
    pytest.param({"stage": "email_sent", "path": "booking"}, "wait_for_reply", id="email-sent-booking"),
    pytest.param({"stage": "reply_received"}, "parse_reply", id="reply-received"),
    pytest.param({"stage": "phone_found", "phone": "+351912345678"}, "voice_dispatcher", id="phone-found"),
    pytest.param({"stage": "phone_missing"}, "email_writer", id="phone-missing"),
    pytest.param({"stage": "call_placed"}, "wait_for_call", id="call-placed"),
    pytest.param({"stage": "call_reported"}, "call_analyst", id="call-reported"),
    pytest.param({"stage": "escalating", "path": "escalate"}, "escalation", id="escalating"),
    pytest.param({"stage": "awaiting_human"}, "human_review", id="awaiting-human"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "approve"}}, "closer", id="human-approve"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "close"}}, "closer", id="human-close"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "handoff"}}, "closer", id="human-handoff"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "retry"}, "phone": "+447911123456"},
                 "voice_dispatcher", id="human-retry-with-phone"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "retry"}, "phone": None},
                 "email_writer", id="human-retry-without-phone"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "retry"}}, "email_writer",
                 id="human-retry-phone-never-known"),
    pytest.param({"stage": "closing"}, "closer", id="closing"),
    pytest.param({"stage": "done"}, END, id="done"),
]


@pytest.mark.parametrize(("state", "expected"), ROUTES)
def test_next_node_routes_each_stage(state, expected):
    assert next_node({"thread_id": "local:1", **state}) == expected


@pytest.mark.parametrize(("state", "expected"), ROUTES)
def test_supervisor_sends_the_thread_to_the_routed_node(state, expected):
    command = supervisor({"thread_id": "local:1", **state})
    assert isinstance(command, Command)
    assert command.goto == expected


def test_every_route_is_a_node_of_the_graph():
    nodes = set(build_graph().nodes)
    for param in ROUTES:
        state, expected = param.values
        assert expected == END or (expected in STEPS and expected in nodes), expected


@pytest.mark.parametrize("stage", ["shipped", "", "DONE"])
def test_unknown_stage_raises(stage):
    with pytest.raises(ValueError, match="unknown stage"):
        next_node({"thread_id": "local:1", "stage": stage})

