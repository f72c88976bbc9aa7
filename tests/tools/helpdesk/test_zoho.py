"""The Zoho Desk connector against the loopback Zoho fake: the whole flow, escalation, exactly-once
private comments, token refresh, a 429 storm and a bad refresh token."""

from __future__ import annotations

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, build_helpdesk
from tests.conftest import make_settings
from tests.fakes.loopback import opened, running
from tests.fakes.zoho import AI_AGENT, CLIENT_ID, CLIENT_SECRET, HUMAN_TEAM, ORG_ID, REFRESH_TOKEN, FakeZoho
from tests.server import WEBHOOKS, asgi_client, nodes, thread


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr("concierge.tools.helpdesk.zoho.PAGE", 1)  # every list read across pages
    with running(FakeZoho()) as fake:
        yield fake


def zoho_settings(tmp_path, fake, **overrides):
    return make_settings(tmp_path / "data", **{
        "HELPDESK": "zoho", "ZOHO_BASE_URL": f"{fake.url}/api/v1", "ZOHO_ACCOUNTS_URL": fake.url, "ZOHO_ORG_ID": ORG_ID,
        "ZOHO_CLIENT_ID": CLIENT_ID, "ZOHO_CLIENT_SECRET": CLIENT_SECRET, "ZOHO_REFRESH_TOKEN": REFRESH_TOKEN,
        "ZOHO_AI_AGENT_ID": AI_AGENT, "ZOHO_HUMAN_TEAM_ID": HUMAN_TEAM, "HELPDESK_MAX_WAIT_S": 5, **overrides,
    })


def connector(tmp_path, fake, **overrides):
    return opened(build_helpdesk(zoho_settings(tmp_path, fake, **overrides)))


async def assign(client, runtime, ticket_id):
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "zoho", "ticket_id": ticket_id})
    await runtime.queue.join()
    return r


async def test_support_ticket_flows_through_zoho_and_closes_with_one_private_comment(tmp_path, fake, kb):
    fake.threads["702"].append({"id": "1", "direction": "in", "summary": "Thanks!", "content": "Thanks, found the car park."})
    async with open_runtime(zoho_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        helpdesk = runtime.services.helpdesk
        assert [t.id for t in await helpdesk.list_assigned_tickets()] == [str(n) for n in range(1001, 1008)]
        r = await assign(client, runtime, "1002")
        assert r.status_code == 202, r.text
        detail = await thread(client, "zoho:1002")
        assert detail["path"] == "support" and detail["outcome"]["status"] == "resolved"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        history = await helpdesk.customer_history(await helpdesk.get_ticket("1002"))
        assert [(h.id, h.customer.name) for h in history] == [("655", "Tom Becker"), ("702", "Tom Becker")]
        assert "Rue Forest" in history[1].body and "found the car park" in history[1].body

        assert fake.tickets["1002"]["status"] == "Closed"
        [note] = fake.private_comments("1002")
        assert "Check-in is from 15:00" in note

        r = await assign(client, runtime, "1002")
        assert r.json()["duplicate"] is True
        assert len(fake.private_comments("1002")) == 1
        assert [p["status"] for _, p in fake.patches] == ["Open", "Closed"]


async def test_escalation_sets_the_human_status_and_team(tmp_path, fake, kb):
    async with open_runtime(zoho_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        assert (await thread(client, "zoho:1003"))["waiting_for"] == "human"
        t = fake.tickets["1003"]
        assert (t["status"], t["teamId"], t["assigneeId"]) == ("Escalated", HUMAN_TEAM, None)
        [note] = fake.private_comments("1003")
        assert "real person NOW" in note


async def test_a_ticket_of_another_agent_is_refused_with_409(tmp_path, fake, kb):
    async with open_runtime(zoho_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        r = await assign(client, runtime, "811")
        assert r.status_code == 409 and "Closed" in r.json()["detail"]


async def test_an_expired_access_token_is_renewed_once(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        await helpdesk.get_ticket("1002")
        fake.expire_tokens()
        first = await helpdesk.add_note("1002", "Answered.", idempotency_key="zoho:1002:close:note")
        assert await helpdesk.add_note("1002", "Answered.", idempotency_key="zoho:1002:close:note") == first
        assert fake.token_grants == 2 and len(fake.private_comments("1002")) == 1


async def test_a_429_storm_is_waited_out_and_a_longer_one_gives_up_bounded(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_MAX_ATTEMPTS=3) as helpdesk:
        fake.faults.storm = 2
        assert (await helpdesk.get_ticket("1002")).customer.email == "tom.becker@example.net"
        fake.faults.storm = 100
        with pytest.raises(HelpdeskUnavailable, match="429.*API credits exhausted"):
            await helpdesk.get_ticket("1001")
        assert fake.faults.throttled == 2 + 3


async def test_a_bad_refresh_token_or_org_says_so(tmp_path, fake):
    async with connector(tmp_path, fake, ZOHO_REFRESH_TOKEN="1000.stale") as helpdesk:
        with pytest.raises(HelpdeskError, match="refused the refresh token \\(invalid_code\\)"):
            await helpdesk.get_ticket("1002")
    async with connector(tmp_path, fake, ZOHO_ORG_ID="999") as helpdesk:
        with pytest.raises(HelpdeskError, match="422.*orgId header"):
            await helpdesk.get_ticket("1002")


async def test_the_contacts_tickets_are_read_with_only_what_that_endpoint_takes(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        history = await helpdesk.customer_history(await helpdesk.get_ticket("1002"))
        assert [h.id for h in history] == ["655", "702"]
        token = next(iter(fake.tokens))
    headers = {"Authorization": f"Zoho-oauthtoken {token}", "orgId": ORG_ID}
    async with httpx.AsyncClient(base_url=f"{fake.url}/api/v1", headers=headers) as zoho:
        r = await zoho.get("/contacts/102/tickets", params={"include": "contacts"})  # what the connector used to send
        assert r.status_code == 422 and r.json()["errorCode"] == "UNPROCESSABLE_ENTITY" and "contacts" in r.json()["message"]
        assert (await zoho.get("/contacts/102/tickets", params={"status": "Open"})).status_code == 422
        assert (await zoho.get("/contacts/102/tickets", params={"include": "assignee"})).status_code == 200


async def test_an_unassigned_ticket_is_nobodys_and_escalation_unassigns_with_null(tmp_path, fake):
    fake.tickets["1004"]["assigneeId"] = None  # what Zoho returns for a ticket no agent has
    async with connector(tmp_path, fake) as helpdesk:
        ticket = await helpdesk.get_ticket("1004")
        assert ticket.assignee is None and "assigned to nobody" in helpdesk.unassigned_reason(ticket)
        await helpdesk.set_resolution("1002", "handed_off", "a person should answer")
    assert fake.patches[-1] == ("1002", {"status": "Escalated", "assigneeId": None, "teamId": HUMAN_TEAM})
    assert fake.tickets["1002"]["assigneeId"] is None


async def test_a_misspelt_field_is_refused_as_zoho_does(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        await helpdesk.get_ticket("1002")
        token = next(iter(fake.tokens))
    headers = {"Authorization": f"Zoho-oauthtoken {token}", "orgId": ORG_ID}
    async with httpx.AsyncClient(base_url=f"{fake.url}/api/v1", headers=headers) as zoho:
        r = await zoho.patch("/tickets/1002", json={"stauts": "Closed"})
        assert r.status_code == 422 and "stauts" in r.json()["message"]
        r = await zoho.post("/tickets/1002/comments", json={"content": "x", "isPublik": False})
        assert r.status_code == 422 and "isPublik" in r.json()["message"]
    assert fake.patches == [] and fake.comments["1002"] == [] and fake.tickets["1002"]["status"] == "Open"
