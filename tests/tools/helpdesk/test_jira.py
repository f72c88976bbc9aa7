"""The Jira Service Management connector against the loopback Jira fake: the whole flow, escalation,
exactly-once internal comments, transitions by name, a 429 storm and a bad token."""

from __future__ import annotations

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, build_helpdesk
from tests.conftest import make_settings
from tests.fakes.jira import AI_ACCOUNT, EMAIL, HUMAN_ACCOUNT, TOKEN, FakeJira
from tests.fakes.loopback import opened, running
from tests.server import WEBHOOKS, asgi_client, nodes, thread


@pytest.fixture
def fake():
    with running(FakeJira()) as fake:
        yield fake


def jira_settings(tmp_path, fake, **overrides):
    return make_settings(tmp_path / "data", **{
        "HELPDESK": "jira", "JIRA_BASE_URL": fake.url, "JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN, "JIRA_PROJECT": "SD",
        "JIRA_AI_ACCOUNT_ID": AI_ACCOUNT, "JIRA_HUMAN_ACCOUNT_ID": HUMAN_ACCOUNT, "HELPDESK_MAX_WAIT_S": 5, **overrides,
    })


def connector(tmp_path, fake, **overrides):
    return opened(build_helpdesk(jira_settings(tmp_path, fake, **overrides)))


async def assign(client, runtime, key):
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "jira", "ticket_id": key})
    await runtime.queue.join()
    return r


async def test_support_request_flows_through_jira_and_is_resolved_with_one_internal_comment(tmp_path, fake, kb):
    fake.comments["SD-702"].append({"id": "1", "body": "Customer: thanks, we found the car park.", "public": True})
    async with open_runtime(jira_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        helpdesk = runtime.services.helpdesk
        assert [t.id for t in await helpdesk.list_assigned_tickets()] == [f"SD-{n}" for n in range(1001, 1008)]
        r = await assign(client, runtime, "SD-1002")
        assert r.status_code == 202, r.text
        detail = await thread(client, "jira:SD-1002")
        assert detail["path"] == "support" and detail["outcome"]["status"] == "resolved"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        history = await helpdesk.customer_history(await helpdesk.get_ticket("SD-1002"))
        assert [h.id for h in history] == ["SD-655", "SD-702"]
        assert "Rue Forest" in history[1].body and "we found the car park" in history[1].body  # both comment pages

        assert fake.issues["SD-1002"]["fields"]["status"]["name"] == "Resolved"
        [note] = fake.internal_notes("SD-1002")
        assert "Check-in is from 15:00" in note

        r = await assign(client, runtime, "SD-1002")
        assert r.json()["duplicate"] is True
        assert len(fake.internal_notes("SD-1002")) == 1 and fake.transitioned == [("SD-1002", "In Progress"), ("SD-1002", "Resolved")]


async def test_escalation_transitions_and_assigns_the_human(tmp_path, fake, kb):
    async with open_runtime(jira_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "SD-1003")
        detail = await thread(client, "jira:SD-1003")
        assert detail["waiting_for"] == "human"
        fields = fake.issues["SD-1003"]["fields"]
        assert (fields["status"]["name"], fields["assignee"]["accountId"]) == ("Escalated", HUMAN_ACCOUNT)
        [note] = fake.internal_notes("SD-1003")
        assert "real person NOW" in note


async def test_an_issue_assigned_to_a_person_is_refused_with_409(tmp_path, fake, kb):
    fake.issues["SD-1004"]["fields"]["assignee"] = {"accountId": "acc-sofia"}
    async with open_runtime(jira_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        r = await assign(client, runtime, "SD-1004")
        assert r.status_code == 409 and "acc-sofia" in r.json()["detail"]
        assert (await assign(client, runtime, "SD-9999")).status_code == 404


async def test_an_unknown_transition_names_the_ones_offered(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_STATUS_RESOLVED="Done") as helpdesk:
        with pytest.raises(HelpdeskError, match="no transition 'Done'.*'Resolve' \\(to 'Resolved'\\)"):
            await helpdesk.set_resolution("SD-1002", "resolved", "answered")


async def test_note_is_found_again_by_its_key(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        first = await helpdesk.add_note("SD-1002", "Answered.", idempotency_key="jira:SD-1002:close:note")
        assert await helpdesk.add_note("SD-1002", "Answered.", idempotency_key="jira:SD-1002:close:note") == first
        assert len(fake.internal_notes("SD-1002")) == 1


async def test_a_429_storm_is_waited_out_and_a_longer_one_gives_up_bounded(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_MAX_ATTEMPTS=3) as helpdesk:
        fake.faults.storm = 2
        assert (await helpdesk.get_ticket("SD-1002")).customer.email == "tom.becker@example.net"
        fake.faults.storm = 100
        with pytest.raises(HelpdeskUnavailable, match="429.*Rate limit exceeded"):
            await helpdesk.list_assigned_tickets()
        assert fake.faults.throttled == 2 + 3


async def test_a_bad_token_says_so(tmp_path, fake):
    async with connector(tmp_path, fake, JIRA_API_TOKEN="nope") as helpdesk:
        with pytest.raises(HelpdeskError, match="401.*check the token.*must be authenticated"):
            await helpdesk.get_ticket("SD-1002")


async def test_a_misspelt_field_is_refused_as_jira_does(fake):
    async with httpx.AsyncClient(base_url=fake.url, auth=(EMAIL, TOKEN)) as jira:
        r = await jira.post("/rest/api/3/search/jql", json={"jql": "project = SD", "maxResult": 50})
        assert r.status_code == 400 and "maxResult" in r.json()["errorMessages"][0]
        r = await jira.post("/rest/servicedeskapi/request/SD-1002/comment", json={"body": "Note", "pubilc": False})
        assert r.status_code == 400
    assert fake.internal_notes("SD-1002") == [] and len(fake.comments["SD-1002"]) == 0
