"""The Zendesk connector against the loopback Zendesk fake: the whole flow, escalation, exactly-once
notes, a 429 storm and a bad token."""

from __future__ import annotations

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, build_helpdesk
from tests.conftest import make_settings
from tests.fakes.loopback import opened, running
from tests.fakes.zendesk import AI_GROUP, EMAIL, HUMAN_GROUP, TOKEN, FakeZendesk
from tests.server import WEBHOOKS, asgi_client, nodes, thread


@pytest.fixture
def fake():
    with running(FakeZendesk()) as fake:
        yield fake


def zendesk_settings(tmp_path, fake, **overrides):
    return make_settings(tmp_path / "data", **{
        "HELPDESK": "zendesk", "ZENDESK_BASE_URL": f"{fake.url}/api/v2", "ZENDESK_EMAIL": EMAIL, "ZENDESK_API_TOKEN": TOKEN,
        "ZENDESK_AI_GROUP_ID": str(AI_GROUP), "ZENDESK_HUMAN_GROUP_ID": str(HUMAN_GROUP), "HELPDESK_MAX_WAIT_S": 5, **overrides,
    })


async def assign(client, runtime, ticket_id):
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "zendesk", "ticket_id": ticket_id})
    await runtime.queue.join()
    return r


async def test_support_ticket_flows_through_zendesk_and_is_solved_with_one_private_note(tmp_path, fake, kb):
    async with open_runtime(zendesk_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        helpdesk = runtime.services.helpdesk
        assert [t.id for t in await helpdesk.list_assigned_tickets()] == ["1001", "1002", "1003", "1004", "1005", "1006", "1007"]
        r = await assign(client, runtime, "1002")
        assert r.status_code == 202, r.text
        detail = await thread(client, "zendesk:1002")
        assert detail["path"] == "support" and detail["outcome"]["status"] == "resolved"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        # The customer's two earlier tickets, across pages, each with its comments (one per page).
        history = await helpdesk.customer_history(await helpdesk.get_ticket("1002"))
        assert [h.id for h in history] == ["655", "702"]
        assert "public car park on Rue Forest" in history[1].body

        assert fake.tickets[1002]["status"] == "solved"
        [note] = fake.private_notes(1002)
        assert "Check-in is from 15:00" in note and "concierge-ref:" in note

        # Delivered again (a poll after the webhook): one thread, nothing written twice.
        r = await assign(client, runtime, "1002")
        assert r.status_code == 202 and r.json()["duplicate"] is True
        assert len(fake.private_notes(1002)) == 1
        assert [change for _, change in fake.updates if "status" in change] == [{"status": "open"}, {"status": "solved"}]


async def test_escalation_hands_the_ticket_to_the_human_group(tmp_path, fake, kb):
    async with open_runtime(zendesk_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        detail = await thread(client, "zendesk:1003")
        assert detail["waiting_for"] == "human"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        assert (fake.tickets[1003]["status"], fake.tickets[1003]["group_id"], fake.tickets[1003]["assignee_id"]) == \
               ("open", HUMAN_GROUP, None)
        [note] = fake.private_notes(1003)
        assert "real person NOW" in note


async def test_a_ticket_a_human_owns_is_refused_with_409(tmp_path, fake, kb):
    async with open_runtime(zendesk_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        r = await assign(client, runtime, "811")
        assert r.status_code == 409 and "solved" in r.json()["detail"]
        fake.tickets[1004]["group_id"] = 360003
        r = await assign(client, runtime, "1004")
        assert r.status_code == 409 and "not the AI group" in r.json()["detail"]
        assert await runtime.services.store.thread_ids() == []


async def test_note_written_before_a_crash_is_found_not_repeated(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        first = await helpdesk.add_note("1002", "Answered by email.", idempotency_key="zendesk:1002:close:note")
        again = await helpdesk.add_note("1002", "Answered by email.", idempotency_key="zendesk:1002:close:note")
        assert first == again and len(fake.private_notes(1002)) == 1
        assert helpdesk.retry_safe is True


async def test_a_429_storm_is_waited_out_and_a_longer_one_gives_up_bounded(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_MAX_ATTEMPTS=6) as helpdesk:
        fake.faults.storm = 4
        ticket = await helpdesk.get_ticket("1002")
        assert ticket.customer.email == "tom.becker@example.net" and fake.faults.throttled == 4
        fake.faults.storm = 100
        with pytest.raises(HelpdeskUnavailable, match="429"):
            await helpdesk.get_ticket("1001")
        assert fake.faults.throttled == 4 + 6


async def test_a_bad_token_says_so(tmp_path, fake):
    async with connector(tmp_path, fake, ZENDESK_API_TOKEN="wrong") as helpdesk:
        with pytest.raises(HelpdeskError, match="401.*check the token.*Couldn't authenticate you"):
            await helpdesk.list_assigned_tickets()


def connector(tmp_path, fake, **overrides):
    return opened(build_helpdesk(zendesk_settings(tmp_path, fake, **overrides)))


async def test_more_than_a_thousand_ai_tickets_are_all_listed_through_the_export_search(tmp_path, fake):
    seeded = len(fake.tickets)
    template = fake.tickets[1002]
    for n in range(1100):  # past the 1,000 results /search.json returns for one query
        tid = 20000 + n
        fake.tickets[tid] = {**template, "id": tid, "created_at": f"2025-02-01T10:{n // 60:02d}:{n % 60:02d}Z"}
    async with connector(tmp_path, fake) as helpdesk:
        listed = await helpdesk.list_assigned_tickets()
    assert len(listed) == 1100 + 7 and len(fake.tickets) == seeded + 1100
    assert [t.created_at for t in listed] == sorted(t.created_at for t in listed)


async def test_the_fake_refuses_what_zendesk_search_refuses(fake):
    auth = (f"{EMAIL}/token", TOKEN)
    async with httpx.AsyncClient(base_url=f"{fake.url}/api/v2", auth=auth) as zd:
        undocumented = await zd.get("/search.json", params={"query": f"type:ticket group_id:{AI_GROUP}"})
        assert undocumented.status_code == 400 and "group_id" in undocumented.json()["description"]
        documented = await zd.get("/search.json", params={"query": f"type:ticket status<solved group:{AI_GROUP}"})
        assert documented.status_code == 200 and documented.json()["count"] == 7
        past_the_cap = await zd.get("/search.json", params={"query": f"type:ticket group:{AI_GROUP}", "page": 11, "per_page": 100})
        assert past_the_cap.status_code == 422


async def test_a_misspelt_ticket_field_is_refused_and_changes_nothing(fake):
    async with httpx.AsyncClient(base_url=f"{fake.url}/api/v2", auth=(f"{EMAIL}/token", TOKEN)) as zd:
        r = await zd.put("/tickets/1002.json", json={"ticket": {"stauts": "solved"}})
        assert r.status_code == 422 and r.json()["error"] == "RecordInvalid" and "stauts" in r.json()["details"]
        assert (await zd.put("/tickets/1002.json", json={"ticket": {"status": "solved"}})).status_code == 200
    assert [change for _, change in fake.updates] == [{"status": "solved"}]
