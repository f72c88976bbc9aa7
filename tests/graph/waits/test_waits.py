"""The waiting nodes hold only an interrupt. They run inside the real graph: a thread is positioned just
before the wait with `aupdate_state`, runs into the interrupt, and is resumed with `Command(resume=...)`.
The graph stops right after the waiting node (`interrupt_after`) so each test sees that node's effect only."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from concierge.graph.builder import build_graph
from concierge.graph.context import Context
from tests.agents.helpers import ROOMS, offer, ticket_state

HUMAN = {"type": "human", "action": "handoff", "note": "I'll call her myself", "by": "Ana"}


async def run_into_wait(services, node, values, as_node):
    graph = build_graph().compile(checkpointer=InMemorySaver(), interrupt_after=[node])
    config = {"configurable": {"thread_id": values["thread_id"]}}
    await graph.aupdate_state(config, Command(update=values, goto=node), as_node=as_node)
    await graph.ainvoke(None, config, context=Context(services=services))
    snapshot = await graph.aget_state(config)
    assert snapshot.next == (node,)
    [pending] = snapshot.interrupts
    return graph, config, pending.value


async def resume(graph, config, services, value):
    await graph.ainvoke(Command(resume=value), config, context=Context(services=services))
    return await graph.aget_state(config)


async def reply_wait(services):
    values = await ticket_state(services, "1001", path="booking", stage="email_sent",
                                emails=[{"kind": "offer", "message_id": "<offer-1@concierge.example.com>"}])
    return await run_into_wait(services, "wait_for_reply", values, as_node="send_email")


async def test_wait_for_reply_waits_for_the_answer_to_the_last_email(services):
    _, _, waiting = await reply_wait(services)
    assert waiting == {"waiting_for": "email_reply", "accepts": ["email_reply", "reply_overdue", "email_bounced"], "actions": ["close", "handoff", "reply"], "thread_id": "local:1001",
                       "message_id": "<offer-1@concierge.example.com>"}


async def test_wait_for_reply_records_the_customers_reply(services):
    graph, config, _ = await reply_wait(services)
    reply = {"type": "email_reply", "from": "maria.costa@example.com", "subject": "Re: Lisbon",
             "text": "Call me on +351 912 345 678", "message_id": "<r1@customer.example.com>",
             "received_at": "2026-11-20T10:00:00+00:00", "spam": "ignored"}
    snapshot = await resume(graph, config, services, reply)

    assert snapshot.values["stage"] == "reply_received"
    assert snapshot.values["replies"] == [{k: reply[k] for k in ("from", "subject", "text", "message_id", "received_at")}]
    assert snapshot.next == ("parse_reply",)  # the wait routes straight to the next step
    assert snapshot.values["log"][-1]["node"] == "wait_for_reply"


async def test_wait_for_reply_accepts_a_human_decision(services):
    graph, config, _ = await reply_wait(services)
    snapshot = await resume(graph, config, services, HUMAN)

    assert snapshot.values["stage"] == "human_decided"
    assert snapshot.values["human_decision"] == {"action": "handoff", "note": "I'll call her myself", "by": "Ana"}
    assert "replies" not in snapshot.values or not snapshot.values["replies"]


async def call_wait(services):
    values = await ticket_state(services, "1001", path="booking", stage="call_placed", phone="+351912345678",
                                calls=[{"call_id": "sim-abc", "provider": "simulator"}])
    return await run_into_wait(services, "wait_for_call", values, as_node="voice_dispatcher")


async def test_wait_for_call_records_the_call_report(services):
    graph, config, waiting = await call_wait(services)
    assert waiting == {"waiting_for": "call_report", "accepts": ["call_report", "email_reply"], "actions": ["close", "handoff"], "thread_id": "local:1001", "call_id": "sim-abc"}

    report = {"type": "call_report", "provider": "vapi", "call_id": "sim-abc", "ended_reason": "customer-ended-call",
              "transcript": "User: hello", "summary": "", "success_evaluation": "false"}
    snapshot = await resume(graph, config, services, report)

    assert snapshot.values["stage"] == "call_reported"
    assert snapshot.values["call_report"] == {k: v for k, v in report.items() if k != "type"}
    assert "customer-ended-call" in snapshot.values["log"][-1]["text"]


async def test_wait_for_call_keeps_a_customer_email_and_waits_again(services):
    graph, config, _ = await call_wait(services)
    email = {"type": "email_reply", "from": "maria.costa@example.com", "subject": "Re: Lisbon", "text": "Can we add a night?",
             "message_id": "<late@customer.example.com>", "received_at": "2026-11-20T10:00:00+00:00", "event_id": "email:late"}
    snapshot = await resume(graph, config, services, email)

    assert snapshot.values["stage"] == "email_kept" and snapshot.values["return_to"] == "call_placed"
    assert snapshot.values["kept_emails"] == [{**{k: email[k] for k in ("from", "subject", "text", "message_id", "received_at")},
                                              "while": "call_report"}]
    assert snapshot.values["resumed_by"] == ["email:late"]
    assert snapshot.next == ("keep_email",)


async def test_wait_for_reply_takes_its_reminder_timer_and_a_later_bounce(services):
    graph, config, _ = await reply_wait(services)
    snapshot = await resume(graph, config, services, {"type": "reply_overdue", "message_id": "<offer-1@concierge.example.com>"})
    assert snapshot.values["stage"] == "reply_overdue"

    graph, config, _ = await reply_wait(services)
    snapshot = await resume(graph, config, services, {"type": "email_bounced", "reason": "5.1.1 <m@x>: user unknown"})
    assert snapshot.values["stage"] == "escalating"
    assert snapshot.values["escalation"]["reasons"] == [
        "The offer email could not be delivered (reported later by the mail server): 5.1.1 <m@x>: user unknown"]


async def test_wait_for_call_accepts_a_human_decision(services):
    graph, config, _ = await call_wait(services)
    snapshot = await resume(graph, config, services, {"type": "human", "action": "close"})
    assert snapshot.values["stage"] == "human_decided"
    assert snapshot.values["human_decision"] == {"action": "close", "note": "", "by": "operator"}


REASONS = ["Customer asks for a human: “I want to speak to a real person NOW.”"]
DRAFT = {"subject": "Re: Charged twice", "body": "Dear Tom, I am handling this personally."}


async def angry_review(services):
    """1003 escalated at once: nothing was sent or said, so there is nothing to approve or retry."""
    values = await ticket_state(services, "1003", path="escalate", stage="awaiting_human", reply_draft=DRAFT,
                                escalation={"reasons": REASONS, "source": "triage", "count": 1})
    return await run_into_wait(services, "human_review", values, as_node="escalation")


async def test_human_review_offers_the_decisions_that_fit_and_a_drafted_reply(services):
    _, _, waiting = await angry_review(services)
    assert {k: waiting[k] for k in ("waiting_for", "accepts", "thread_id", "reasons", "actions", "draft")} == {
        "waiting_for": "human", "accepts": ["human", "email_reply"], "thread_id": "local:1003", "reasons": REASONS,
        "actions": ["close", "handoff", "reply"], "draft": DRAFT}
    # The same request in LangChain's human-in-the-loop shape: the drafted reply, to approve, edit or reject.
    [request] = waiting["action_requests"]
    assert request["name"] == "reply" and request["args"] == {**DRAFT, "then": "wait"}
    assert REASONS[0] in request["description"]
    assert waiting["review_configs"] == [{"action_name": "reply", "allowed_decisions": ["approve", "edit", "reject", "respond"]}]


@pytest.mark.parametrize("action", ["close", "handoff"])
async def test_human_review_returns_the_decision(services, action):
    graph, config, _ = await angry_review(services)
    snapshot = await resume(graph, config, services, {**HUMAN, "action": action})
    assert snapshot.values["stage"] == "human_decided"
    assert snapshot.values["human_decision"] == {"action": action, "note": HUMAN["note"], "by": "Ana"}
    assert f"human decision: {action} by Ana" in snapshot.values["log"][-1]["text"]
    assert snapshot.next == ("closer",)


@pytest.mark.parametrize("action", ["approve", "retry"])
async def test_human_review_refuses_a_decision_that_does_not_fit_and_asks_again(services, action):
    graph, config, _ = await angry_review(services)
    snapshot = await resume(graph, config, services, {**HUMAN, "action": action})
    assert snapshot.values["stage"] == "awaiting_human" and not snapshot.values.get("human_decision")
    assert "decision refused: this wait takes close, handoff, reply" in snapshot.values["log"][-1]["text"]
    assert snapshot.next == ("human_review",)

    # The thread waits again and takes a decision that fits.
    await graph.ainvoke(None, config, context=Context(services=services))
    [again] = (await graph.aget_state(config)).interrupts
    assert again.value["actions"] == ["close", "handoff", "reply"]
    decided = await resume(graph, config, services, {**HUMAN, "action": "handoff"})
    assert decided.values["human_decision"]["action"] == "handoff"


async def test_a_reply_decision_drafts_the_persons_email_for_the_send_path(services):
    graph, config, _ = await angry_review(services)
    snapshot = await resume(graph, config, services, {"type": "human", "action": "reply", "body": "Dear Tom, refunded.",
                                                      "then": "close", "note": "refund issued", "by": "Ana"})
    assert snapshot.values["draft"] == {"kind": "human_reply", "subject": "Re: THIRD email — charged twice, I want a real person",
                                        "body": "Dear Tom, refunded.", "by": "Ana"}
    assert snapshot.values["human_decision"]["then"] == "close"
    assert snapshot.next == ("send_email",)


@pytest.mark.parametrize(("decision", "expected"), [
    ({"type": "approve"}, {"action": "reply", "subject": DRAFT["subject"], "body": DRAFT["body"], "then": "wait"}),
    ({"type": "edit", "edited_action": {"name": "reply", "args": {"subject": "Re: refund", "body": "Refunded today.", "then": "close"}}},
     {"action": "reply", "subject": "Re: refund", "body": "Refunded today.", "then": "close"}),
    ({"type": "edit", "edited_action": {"name": "close", "args": {"note": "duplicate ticket"}}}, {"action": "close", "note": "duplicate ticket"}),
    ({"type": "reject", "message": "I will phone him"}, {"action": "handoff", "note": "I will phone him"}),
    ({"type": "respond", "message": "Refund issued, sorry."}, {"action": "reply", "body": "Refund issued, sorry.", "then": "wait"}),
], ids=["approve", "edit-reply", "edit-to-close", "reject", "respond"])
async def test_human_review_takes_langchains_hitl_decisions(services, decision, expected):
    graph, config, _ = await angry_review(services)
    snapshot = await resume(graph, config, services, {"decisions": [decision]})
    taken = snapshot.values["human_decision"]
    assert {k: taken[k] for k in expected} == expected


async def test_a_hitl_edit_to_a_decision_that_does_not_fit_is_refused(services):
    graph, config, _ = await angry_review(services)
    snapshot = await resume(graph, config, services, {"decisions": [{"type": "edit", "edited_action": {"name": "approve", "args": {}}}]})
    assert "not 'approve'" in snapshot.values["log"][-1]["text"] and snapshot.next == ("human_review",)


@pytest.mark.parametrize(("action", "misses_after"), [("retry", 0), ("close", 2)])
async def test_only_a_human_retry_gives_the_customer_fresh_phone_attempts(services, action, misses_after):
    values = await ticket_state(services, "1006", path="booking", stage="awaiting_human", phone_misses=2,
                                offers=[offer(next(iter(ROOMS)))], emails=[{"kind": "offer", "message_id": "<o1@x>"}],
                                escalation={"reasons": ["No usable phone number after 2 replies"], "source": "reply"})
    graph, config, _ = await run_into_wait(services, "human_review", values, as_node="escalation")

    decided = await resume(graph, config, services, {**HUMAN, "action": action})
    assert decided.values["phone_misses"] == misses_after
    assert decided.values["human_decision"]["action"] == action


async def test_a_customer_wait_refuses_a_decision_it_does_not_take_and_waits_again(services):
    graph, config, _ = await reply_wait(services)
    snapshot = await resume(graph, config, services, {**HUMAN, "action": "approve"})
    assert snapshot.next == ("wait_for_reply",) and snapshot.values["stage"] == "email_sent"
    assert "decision refused: this wait takes close, handoff, reply, not 'approve'" in snapshot.values["log"][-1]["text"]
    await graph.ainvoke(None, config, context=Context(services=services))
    [again] = (await graph.aget_state(config)).interrupts
    assert again.value["waiting_for"] == "email_reply"
