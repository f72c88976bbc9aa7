"""The supervisor routes every stage to the next node; routing is plain code, so every branch is checked."""

from __future__ import annotations

import pytest
from langgraph.graph import END
from langgraph.types import Command

from concierge.graph.builder import build_graph
from concierge.graph.supervisor import DESTINATIONS, next_node, supervisor

ROUTES = [
    pytest.param({}, "intake", id="no-stage-means-new"),
    pytest.param({"stage": "new"}, "intake", id="new"),
    pytest.param({"stage": "received"}, "triage", id="received"),
    pytest.param({"stage": "triaged", "path": "booking"}, "triage", id="triaged-without-profile-reads-again"),
    pytest.param({"stage": "profiled", "path": "booking"}, "retriever", id="profiled"),
    pytest.param({"stage": "profiled", "path": "support"}, "retriever", id="profiled-support"),
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
    pytest.param({"stage": "human_decided", "human_decision": {"action": "retry"}}, "record_decision", id="human-retry"),
    pytest.param({"stage": "human_decided", "human_decision": {"action": "reply"}}, "send_email", id="human-reply"),
    pytest.param({"stage": "email_sent", "path": "support", "emails": [{"kind": "human_reply"}]}, "record_decision",
                 id="human-reply-sent"),
    pytest.param({"stage": "decision_recorded", "human_decision": {"action": "reply", "then": "wait"}}, "wait_for_reply",
                 id="reply-then-wait"),
    pytest.param({"stage": "decision_recorded", "human_decision": {"action": "reply", "then": "close"}}, "closer",
                 id="reply-then-close"),
    pytest.param({"stage": "decision_recorded", "human_decision": {"action": "retry"}, "phone": "+447911123456",
                  "calls": [{"call_id": "c1"}]}, "voice_dispatcher", id="retry-call-again"),
    pytest.param({"stage": "decision_recorded", "human_decision": {"action": "retry"}, "phone": "+447911123456",
                  "contact_by": "email", "calls": [{"call_id": "c1"}], "path": "booking", "offers": [{}]}, "email_writer",
                 id="retry-by-email-for-who-declines-calls"),
    pytest.param({"stage": "decision_recorded", "human_decision": {"action": "retry"}, "path": "booking", "offers": [{}]},
                 "email_writer", id="retry-email-without-phone"),
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
        assert expected == END or (expected in DESTINATIONS and expected in nodes), expected


@pytest.mark.parametrize("stage", ["shipped", "", "DONE"])
def test_unknown_stage_raises(stage):
    with pytest.raises(ValueError, match="unknown stage"):
        next_node({"thread_id": "local:1", "stage": stage})



# --- the drawn graph ---------------------------------------------------------------------------------
def drawn_edges() -> set[tuple[str, str]]:
    drawing = build_graph().compile().get_graph()
    return {(e.source, e.target) for e in drawing.edges}


def test_the_drawn_graph_shows_the_flow_not_a_star():
    edges = drawn_edges()
    for edge in [("__start__", "intake"), ("intake", "triage"), ("triage", "escalation"), ("triage", "retriever"),
                 ("retriever", "email_writer"), ("send_email", "wait_for_reply"),
                 ("wait_for_reply", "parse_reply"), ("parse_reply", "voice_dispatcher"), ("voice_dispatcher", "wait_for_call"),
                 ("wait_for_call", "call_analyst"), ("call_analyst", "closer"), ("escalation", "human_review"),
                 ("human_review", "closer"), ("human_review", "send_email"), ("closer", "__end__")]:
        assert edge in edges, edge
    assert "supervisor" not in {n for e in edges for n in e}
    steps = len(DESTINATIONS)
    assert len(edges) < steps * 4  # a handful of arrows per node, not every node to every node
    assert ("intake", "closer") not in edges and ("triage", "send_email") not in edges


def test_mermaid_drawing_has_the_real_edges():
    mermaid = build_graph().compile().get_graph().draw_mermaid()
    assert "triage -.-> escalation" in mermaid and "parse_reply -.-> voice_dispatcher" in mermaid
    assert "intake -.-> closer" not in mermaid


def test_every_route_a_node_can_take_is_drawn():
    """Each routed state, reached from a node, leads to a destination that node declares."""
    from concierge.graph.supervisor import DESTINATIONS

    edges = drawn_edges()
    for source, targets in DESTINATIONS.items():
        for target in targets:
            assert (source, target) in edges


def test_the_graph_asks_for_a_ticket():
    schema = build_graph().compile().get_input_jsonschema()
    assert set(schema["properties"]) == {"helpdesk", "ticket_id"}
    assert set(schema["required"]) == {"helpdesk", "ticket_id"}
