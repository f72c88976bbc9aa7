"""Reminders: an email that asks the customer something and gets no answer is followed, after
REMINDER_AFTER, by one polite reminder in the same thread; a reminder left unanswered too ends in
NO_REPLY_POLICY. The timers are the store's durable events, fired by the queue's sweeper; an answer
that arrives first makes the pending timer a no-op."""

from __future__ import annotations

from datetime import timedelta

import pytest

from concierge.cli.demo import send_customer_reply
from concierge.runtime.process import open_runtime
from tests.flows.test_flows import until
from tests.server import alerts, asgi_client, assign, outbox_messages, thread

T1001 = "local:1001"


def quick(settings, **more):
    return settings.model_copy(update={"reminder_after": timedelta(seconds=2), **more})


async def _detail_when(client, condition):
    async def check():
        detail = await thread(client, T1001)
        return detail if condition(detail) else None

    return await until(check, timeout_s=30)


async def test_no_reply_gets_one_threaded_reminder_then_escalates(settings, kb):
    async with open_runtime(quick(settings), kb=kb) as runtime, asgi_client(runtime) as client:
        offer = (await assign(client, runtime, "1001"))["emails"][0]
        detail = await _detail_when(client, lambda d: len(d["emails"]) == 2)
        reminder = detail["emails"][1]
        assert reminder["kind"] == "reminder" and detail["waiting_for"] == "email_reply"
        sent = outbox_messages(runtime)[reminder["message_id"]]
        # In the same thread as the offer: threaded headers, the offer's subject, the reply address.
        assert sent["In-Reply-To"] == offer["message_id"] and offer["message_id"] in sent["References"]
        assert sent["Subject"] == f"Re: {offer['subject'].removeprefix('Re: ')}"
        assert str(sent["Reply-To"]).startswith("reply+local.1001.")
        body = sent.get_body(("plain",)).get_content()
        assert "make sure our email reached you" in body and "phone number" in body and "€" not in body

        detail = await _detail_when(client, lambda d: d["waiting_for"] == "human")
        assert len(detail["emails"]) == 2  # one reminder only
        [reason] = detail["escalation"]["reasons"]
        assert reason.startswith("No reply from the customer to the offer email of") and "nor to the reminder" in reason
        assert detail["escalation"]["source"] == "no_reply"
        assert [a["kind"] for a in alerts(runtime)] == ["escalation"]
        timers = [e for e in detail["events"] if e["kind"] == "reply_overdue"]
        assert [t["status"] for t in timers] == ["done", "done"]


async def test_no_reply_policy_close_closes_the_ticket(settings, kb):
    async with open_runtime(quick(settings, no_reply_policy="close"), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        detail = await _detail_when(client, lambda d: d["stage"] == "done")
        assert [e["kind"] for e in detail["emails"]] == ["offer", "reminder"]
        assert detail["outcome"]["status"] == "closed" and "No reply from the customer" in detail["outcome"]["summary"]
        assert (await runtime.services.helpdesk.get_ticket("1001")).status == "closed"
        assert [a["kind"] for a in alerts(runtime)] == ["info"]


async def test_a_reply_before_the_timer_makes_it_harmless(settings, kb):
    async with open_runtime(quick(settings, reminder_after=timedelta(seconds=4)), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
        (await send_customer_reply(client, runtime, T1001, "Call me on +351 912 345 678")).raise_for_status()
        await runtime.queue.join()
        detail = await _detail_when(client, lambda d: any(e["kind"] == "reply_overdue" and e["status"] != "pending"
                                                          for e in d["events"]))
        [timer] = [e for e in detail["events"] if e["kind"] == "reply_overdue"]
        assert (timer["status"], timer["error"]) == ("ignored", "the thread waits for call_report, not reply_overdue")
        assert [e["kind"] for e in detail["emails"]] == ["offer"]
        assert detail["waiting_for"] == "call_report" and alerts(runtime) == []


async def test_each_unanswered_question_gets_its_own_reminder_and_an_answered_ones_timer_lapses(settings, kb):
    async with open_runtime(quick(settings, reminder_after=timedelta(seconds=3)), kb=kb) as runtime, asgi_client(runtime) as client:
        offer = (await assign(client, runtime, "1001"))["emails"][0]
        (await send_customer_reply(client, runtime, T1001, "Sounds good, please call me.")).raise_for_status()
        await runtime.queue.join()
        detail = await _detail_when(client, lambda d: len(d["emails"]) == 3)
        assert [e["kind"] for e in detail["emails"]] == ["offer", "clarify_phone", "reminder"]
        offer_timer = await runtime.services.store.event("timer", "local:1001:email:1:reply_overdue")
        assert (offer_timer["status"], offer_timer["error"]) == (
            "ignored", f"reminder timer of email {offer['message_id']}; the thread waits on {detail['emails'][1]['message_id']}")
        body = outbox_messages(runtime)[detail["emails"][2]["message_id"]].get_body(("plain",)).get_content()
        assert "phone number" in body


async def test_the_reminder_timer_survives_a_restart(settings, kb):
    settings = quick(settings, reminder_after=timedelta(seconds=3))
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1001")
    # The process stopped before the timer was due; the next one finds it in the store and fires it.
    async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
        detail = await _detail_when(client, lambda d: len(d["emails"]) == 2)
        assert detail["emails"][1]["kind"] == "reminder"


@pytest.mark.parametrize(("value", "expected"), [("48h", timedelta(hours=48)), ("90m", timedelta(minutes=90)),
                                                 ("2d", timedelta(days=2)), ("36", timedelta(hours=36))])
def test_reminder_after_reads_durations(settings, value, expected):
    from tests.conftest import make_settings

    assert make_settings(settings.data_dir, REMINDER_AFTER=value).reminder_after == expected


def test_reminder_after_refuses_nonsense(settings):
    from pydantic import ValidationError

    from tests.conftest import make_settings

    for bad in ("soon", "0h", "-1h"):
        with pytest.raises(ValidationError, match="REMINDER_AFTER"):
            make_settings(settings.data_dir, REMINDER_AFTER=bad)
