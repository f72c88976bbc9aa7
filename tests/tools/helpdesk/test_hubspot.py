"""The HubSpot connector against the loopback HubSpot fake: the whole flow, escalation, exactly-once
notes, stage mapping, a 429 storm and a bad token or missing scope."""

from __future__ import annotations

import httpx
import pytest

from concierge.runtime.process import open_runtime
from concierge.tools.helpdesk import HelpdeskError, HelpdeskUnavailable, build_helpdesk
from tests.conftest import make_settings
from tests.fakes.hubspot import AI_OWNER, HUMAN_OWNER, TOKEN, FakeHubSpot
from tests.fakes.loopback import opened, running
from tests.server import WEBHOOKS, asgi_client, nodes, thread


@pytest.fixture
def fake():
    with running(FakeHubSpot()) as fake:
        yield fake


def hubspot_settings(tmp_path, fake, **overrides):
    return make_settings(tmp_path / "data", **{
        "HELPDESK": "hubspot", "HUBSPOT_BASE_URL": fake.url, "HUBSPOT_TOKEN": TOKEN, "HUBSPOT_AI_OWNER_ID": AI_OWNER,
        "HUBSPOT_HUMAN_OWNER_ID": HUMAN_OWNER, "HELPDESK_MAX_WAIT_S": 5, **overrides,
    })


def connector(tmp_path, fake, **overrides):
    return opened(build_helpdesk(hubspot_settings(tmp_path, fake, **overrides)))


async def assign(client, runtime, ticket_id):
    r = await client.post(f"{WEBHOOKS}/ticket_assigned", json={"helpdesk": "hubspot", "ticket_id": ticket_id})
    await runtime.queue.join()
    return r


async def test_support_ticket_flows_through_hubspot_and_closes_with_one_note(tmp_path, fake, kb):
    async with open_runtime(hubspot_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        helpdesk = runtime.services.helpdesk
        assert [t.id for t in await helpdesk.list_assigned_tickets()] == ["1001", "1002", "1003", "1004", "1005", "1006", "1007"]
        r = await assign(client, runtime, "1002")
        assert r.status_code == 202, r.text
        detail = await thread(client, "hubspot:1002")
        assert detail["path"] == "support" and detail["outcome"]["status"] == "resolved"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        history = await helpdesk.customer_history(await helpdesk.get_ticket("1002"))
        assert [(h.id, h.customer.name) for h in history] == [("655", "Tom Becker"), ("702", "Tom Becker")]

        assert fake.tickets["1002"]["properties"]["hs_pipeline_stage"] == "4"  # Closed
        [note] = fake.notes_on("1002")
        assert "Check-in is from 15:00" in note and "concierge-ref:" in note

        r = await assign(client, runtime, "1002")
        assert r.status_code == 202 and r.json()["duplicate"] is True
        assert len(fake.notes_on("1002")) == 1
        assert [p["hs_pipeline_stage"] for _, p in fake.patches] == ["3", "4"]  # AI processing, then Closed


async def test_escalation_moves_the_ticket_to_the_human_stage_and_owner(tmp_path, fake, kb):
    async with open_runtime(hubspot_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        await assign(client, runtime, "1003")
        detail = await thread(client, "hubspot:1003")
        assert detail["waiting_for"] == "human"
        assert "loaded with 2 earlier ticket(s)" in nodes(detail, "intake")[0]["text"]
        props = fake.tickets["1003"]["properties"]
        assert (props["hs_pipeline_stage"], props["hubspot_owner_id"]) == ("3", HUMAN_OWNER)
        [note] = fake.notes_on("1003")
        assert "real person NOW" in note


async def test_a_ticket_owned_by_a_human_is_refused_with_409(tmp_path, fake, kb):
    fake.tickets["1004"]["properties"]["hubspot_owner_id"] = HUMAN_OWNER
    async with open_runtime(hubspot_settings(tmp_path, fake), kb=kb) as runtime, asgi_client(runtime) as client:
        r = await assign(client, runtime, "1004")
        assert r.status_code == 409 and f"not the AI owner {AI_OWNER}" in r.json()["detail"]
        r = await assign(client, runtime, "702")
        assert r.status_code == 409 and "'Closed'" in r.json()["detail"]
        assert await runtime.services.store.thread_ids() == []


async def test_note_is_found_again_by_its_key(tmp_path, fake):
    async with connector(tmp_path, fake) as helpdesk:
        first = await helpdesk.add_note("1002", "Answered.", idempotency_key="hubspot:1002:close:note")
        assert await helpdesk.add_note("1002", "Answered.", idempotency_key="hubspot:1002:close:note") == first
        assert len(fake.notes_on("1002")) == 1


async def test_an_unknown_stage_names_the_stages_there_are(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_STATUS_RESOLVED="Done") as helpdesk:
        with pytest.raises(HelpdeskError, match=r"no stage 'Done' \(for resolved\); stages: 1 'New'"):
            await helpdesk.get_ticket("1002")


async def test_a_429_storm_is_waited_out_and_a_longer_one_gives_up_bounded(tmp_path, fake):
    async with connector(tmp_path, fake, HELPDESK_MAX_ATTEMPTS=4) as helpdesk:
        fake.faults.storm = 3
        assert (await helpdesk.get_ticket("1002")).customer.email == "tom.becker@example.net"
        fake.faults.storm = 100
        with pytest.raises(HelpdeskUnavailable, match="429.*RATE_LIMITS"):
            await helpdesk.get_ticket("1001")
        assert fake.faults.throttled == 3 + 4


async def test_a_bad_token_or_a_missing_scope_says_so(tmp_path, fake):
    async with connector(tmp_path, fake, HUBSPOT_TOKEN="pat-wrong") as helpdesk:
        with pytest.raises(HelpdeskError, match="401.*check the token.*INVALID_AUTHENTICATION"):
            await helpdesk.list_assigned_tickets()
    fake.scopes = set()
    async with connector(tmp_path, fake) as helpdesk:
        with pytest.raises(HelpdeskError, match="403.*scope.*MISSING_SCOPES"):
            await helpdesk.get_ticket("1002")


async def test_a_misspelt_field_is_refused_by_the_sdks_own_model(fake):
    async with httpx.AsyncClient(base_url=fake.url, headers={"Authorization": f"Bearer {TOKEN}"}) as hs:
        r = await hs.post("/crm/v3/objects/tickets/search", json={"filterGroup": [], "limit": 10})
        assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR" and "'filterGroup'" in r.json()["message"]
        nested = {"properties": {"hs_timestamp": "2025-01-15T10:30:00.000Z", "hs_note_body": "x"},
                  "associations": [{"to": {"id": "1002"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeID": 228}]}]}
        r = await hs.post("/crm/v3/objects/notes", json=nested)
        assert r.status_code == 400 and "associationTypeID" in r.json()["message"]
        bad_enum = {"filterGroups": [{"filters": [{"propertyName": "hs_pipeline", "operator": "EQUALS", "value": "0"}]}]}
        r = await hs.post("/crm/v3/objects/tickets/search", json=bad_enum)
        assert r.status_code == 400 and "operator" in r.json()["message"]
    assert fake.notes == {}
