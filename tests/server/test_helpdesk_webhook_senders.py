"""Each helpdesk's webhook as that helpdesk really delivers it, through the route to its fake: Zoho
Desk's token in the registered URL (no header) and its array of events, answered 200; a Jira
delivery retried long after its payload's timestamp, taken once; HubSpot's generic `object.*`
events beside the legacy `ticket.*` ones, other object types acknowledged with nothing done, and
signature v3 over the URI as HubSpot hashes it."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import time

import httpx
import pytest
import structlog
import uvicorn
from hubspot.utils.signature import Signature

from concierge.observability.logs import configure_logging
from concierge.runtime.process import open_runtime
from concierge.server.app import create_app
from concierge.tools.helpdesk.signatures import HubSpotSignature, JiraSignature
from tests.conftest import make_settings
from tests.fakes import hubspot as fake_hubspot
from tests.fakes import jira as fake_jira
from tests.fakes import zoho as fake_zoho
from tests.fakes.loopback import running
from tests.server import WEBHOOKS, all_events, asgi_client

ZOHO_TOKENS = "z-current-7f3a9c,z-previous-41b2"


async def nothing_recorded(runtime) -> bool:
    return await all_events(runtime) == [] and await runtime.services.store.thread_ids() == []


# --- Zoho Desk -------------------------------------------------------------------------------------
@pytest.fixture
async def zoho(tmp_path, kb):
    with running(fake_zoho.FakeZoho()) as fake:
        settings = make_settings(tmp_path / "data", **{
            "HELPDESK": "zoho", "ZOHO_BASE_URL": f"{fake.url}/api/v1", "ZOHO_ACCOUNTS_URL": fake.url,
            "ZOHO_ORG_ID": fake_zoho.ORG_ID, "ZOHO_CLIENT_ID": fake_zoho.CLIENT_ID, "ZOHO_CLIENT_SECRET": fake_zoho.CLIENT_SECRET,
            "ZOHO_REFRESH_TOKEN": fake_zoho.REFRESH_TOKEN, "ZOHO_AI_AGENT_ID": fake_zoho.AI_AGENT,
            "ZOHO_WEBHOOK_TOKEN": ZOHO_TOKENS, "HELPDESK_MAX_WAIT_S": 5,
        })
        async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
            yield fake, runtime, client


def zoho_post(client, body, token: str | None):
    # What Zoho sends: its JSON array to the registered URL, and no header of ours.
    url = f"{WEBHOOKS}/crm/zoho" + (f"?token={token}" if token is not None else "")
    return client.post(url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, auth=None)


async def test_a_zoho_delivery_authenticated_by_the_token_in_its_url_is_answered_200(zoho):
    fake, runtime, client = zoho
    r = await zoho_post(client, fake.webhook_events("1002", prev={"assigneeId": None}), "z-current-7f3a9c")
    assert r.status_code == 200, r.text  # Zoho counts anything but 200 as a failed delivery
    assert [a["thread_id"] for a in r.json()["accepted"]] == ["zoho:1002"]
    await runtime.queue.join()
    assert fake.tickets["1002"]["status"] == "Closed" and len(fake.private_comments("1002")) == 1


async def test_the_previous_zoho_token_still_works_and_a_wrong_or_missing_one_changes_nothing(zoho):
    fake, runtime, client = zoho
    for token in ("z-guess", "", None):
        r = await zoho_post(client, fake.webhook_events("1003"), token)
        assert r.status_code == 401 and "z-current" not in r.text
    assert await nothing_recorded(runtime) and fake.patches == []
    r = await zoho_post(client, fake.webhook_events("1003"), "z-previous-41b2")
    assert r.status_code == 200 and r.json()["accepted"][0]["thread_id"] == "zoho:1003"
    check = await client.get(f"{WEBHOOKS}/crm/zoho?token=z-previous-41b2")  # Zoho's check when the webhook is saved
    assert check.status_code == 200
    assert (await client.get(f"{WEBHOOKS}/crm/zoho?token=z-guess")).status_code == 401


async def test_zoho_events_about_other_tickets_or_no_ticket_are_acknowledged_with_nothing_taken(zoho):
    fake, runtime, client = zoho
    fake.tickets["1004"]["assigneeId"] = None  # unassigned: Zoho sends assigneeId null
    fake.tickets["1005"]["assigneeId"] = fake_zoho.SUPPORT_AGENT
    body = [*fake.webhook_events("1004", "1005"),
            {"eventType": "Contact_Update", "orgId": fake_zoho.ORG_ID, "eventTime": "2025-01-15T10:30:00.000Z",
             "payload": {"id": "102", "email": "tom.becker@example.net"}}]
    r = await zoho_post(client, body, "z-current-7f3a9c")
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == []
    assert "assigned to nobody" in r.json()["refused"]["1004"] and fake_zoho.SUPPORT_AGENT in r.json()["refused"]["1005"]
    assert await nothing_recorded(runtime) and fake.patches == []


@pytest.fixture
def log_stream():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging("json", "INFO", stream)
    yield stream
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


async def test_the_zoho_token_is_not_written_to_the_access_log_or_ours(zoho, log_stream):
    fake, runtime, client = zoho
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As `concierge serve` runs it: uvicorn's records go through our logging (log_config=None), access log on.
    server = uvicorn.Server(uvicorn.Config(create_app(runtime), log_config=None, log_level="info", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            ok = await http.post(f"{WEBHOOKS}/crm/zoho?token=z-current-7f3a9c", json=fake.webhook_events("1002"))
            wrong = await http.post(f"{WEBHOOKS}/crm/zoho?token=z-previous-41b2x", json=fake.webhook_events("1002"))
        assert (ok.status_code, wrong.status_code) == (200, 401)
        await runtime.queue.join()
    finally:
        server.should_exit = True
        await serving
        sock.close()
    logged = log_stream.getvalue()
    lines = [json.loads(line) for line in logged.splitlines()]
    access = [line["event"] for line in lines if line["logger"] == "uvicorn.access" and "/crm/zoho" in line["event"]]
    assert len(access) == 2 and all("/crm/zoho?token=[redacted] " in line for line in access), access
    assert "z-current" not in logged and "z-previous" not in logged


# --- Jira ------------------------------------------------------------------------------------------
JIRA_SECRET = "jira-webhook-secret"


@pytest.fixture
async def jira(tmp_path, kb):
    with running(fake_jira.FakeJira()) as fake:
        settings = make_settings(tmp_path / "data", **{
            "HELPDESK": "jira", "JIRA_BASE_URL": fake.url, "JIRA_EMAIL": fake_jira.EMAIL, "JIRA_API_TOKEN": fake_jira.TOKEN,
            "JIRA_PROJECT": "SD", "JIRA_AI_ACCOUNT_ID": fake_jira.AI_ACCOUNT, "JIRA_HUMAN_ACCOUNT_ID": fake_jira.HUMAN_ACCOUNT,
            "JIRA_WEBHOOK_SECRET": JIRA_SECRET, "HELPDESK_MAX_WAIT_S": 5,
        })
        async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
            yield fake, runtime, client


def jira_delivery(fake, key: str, *, at: float) -> bytes:
    """An "issue updated" delivery as Jira builds it, its `timestamp` the moment of the change."""
    issue = fake.issues[key]
    return json.dumps({
        "timestamp": int(at * 1000), "webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_assigned",
        "user": {"accountId": fake_jira.SUPPORT_ACCOUNT, "displayName": "Sofia"},
        "issue": {"id": issue["id"], "self": f"{fake.url}/rest/api/2/{issue['id']}", "key": key, "fields": issue["fields"]},
        "changelog": {"id": "10100", "items": [{"field": "assignee", "fieldtype": "jira", "from": fake_jira.SUPPORT_ACCOUNT,
                                                "to": fake_jira.AI_ACCOUNT}]},
    }).encode()


def jira_headers(body: bytes, identifier: str, retry: int) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": identifier,
            "X-Atlassian-Webhook-Retry": str(retry), **JiraSignature(JIRA_SECRET).sign(body)}


async def test_a_signed_jira_delivery_retried_20_minutes_later_is_taken_once(jira):
    fake, runtime, client = jira
    body = jira_delivery(fake, "SD-1002", at=time.time() - 20 * 60)  # first tried 20 minutes ago
    url = f"{WEBHOOKS}/crm/jira"
    first = await client.post(url, content=body, headers=jira_headers(body, "wh-81f0", retry=1), auth=None)
    assert first.status_code == 202, first.text
    assert [a["thread_id"] for a in first.json()["accepted"]] == ["jira:SD-1002"]
    await runtime.queue.join()
    calls = len(fake.calls)
    again = await client.post(url, content=body, headers=jira_headers(body, "wh-81f0", retry=2), auth=None)
    assert again.status_code == 200 and again.json() == {"accepted": [], "refused": {}, "duplicate_delivery": True}
    await runtime.queue.join()
    assert len(fake.calls) == calls  # not asked again
    assert len(fake.internal_notes("SD-1002")) == 1
    assert len([e for e in await all_events(runtime) if e["thread_id"] == "jira:SD-1002"]) == 1
    forged = await client.post(url, content=body.replace(b"SD-1002", b"SD-1003"),
                               headers=jira_headers(body, "wh-9", retry=0), auth=None)
    assert forged.status_code == 401


async def test_a_jira_issue_that_is_not_the_ais_is_answered_200_so_jira_does_not_retry_it(jira):
    fake, runtime, client = jira
    fake.issues["SD-1004"]["fields"]["assignee"] = {"accountId": fake_jira.SUPPORT_ACCOUNT}
    body = jira_delivery(fake, "SD-1004", at=time.time())
    r = await client.post(f"{WEBHOOKS}/crm/jira", content=body, headers=jira_headers(body, "wh-77", retry=0), auth=None)
    assert r.status_code == 200 and "not the AI account" in r.json()["refused"]["SD-1004"]  # a 409 Jira would retry
    assert await nothing_recorded(runtime)


# --- HubSpot ---------------------------------------------------------------------------------------
PUBLIC = "https://concierge.example.com"


@pytest.fixture
async def hubspot(tmp_path, kb):
    with running(fake_hubspot.FakeHubSpot()) as fake:
        settings = make_settings(tmp_path / "data", **{
            "HELPDESK": "hubspot", "HUBSPOT_BASE_URL": fake.url, "HUBSPOT_TOKEN": fake_hubspot.TOKEN,
            "HUBSPOT_AI_OWNER_ID": fake_hubspot.AI_OWNER, "HUBSPOT_CLIENT_SECRET": "app-secret",
            "PUBLIC_BASE_URL": PUBLIC, "HELPDESK_MAX_WAIT_S": 5,
        })
        async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
            yield fake, runtime, client


def hubspot_event(n: int, object_id: int, *, kind: str = "object.propertyChange", object_type: str | None = "0-5") -> dict:
    """One event as HubSpot sends it (generic `object.*` events carry `objectTypeId`)."""
    event = {"eventId": 3000 + n, "subscriptionId": 2408, "portalId": 62515, "appId": 54321, "occurredAt": int(time.time() * 1000),
             "subscriptionType": kind, "attemptNumber": 0, "objectId": object_id, "changeFlag": "UPDATED",
             "changeSource": "CRM", "sourceId": "userId:71", "propertyName": "hubspot_owner_id", "propertyValue": fake_hubspot.AI_OWNER}
    if object_type is not None:
        event["objectTypeId"] = object_type
    return event


def hubspot_headers(body: bytes, uri: str) -> dict[str, str]:
    """Signed the way HubSpot's own SDK computes v3 (over the URI as HubSpot hashes it)."""
    t = str(int(time.time() * 1000))
    return {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": t,
            "X-HubSpot-Signature-v3": Signature.get_signature("app-secret", body.decode(), "v3", uri, "POST", t)}


async def test_hubspot_generic_object_events_for_tickets_are_taken(hubspot):
    fake, runtime, client = hubspot
    body = json.dumps([hubspot_event(1, 1002, kind="object.creation"), hubspot_event(2, 1003),
                       hubspot_event(3, 1001, kind="ticket.propertyChange", object_type=None)]).encode()
    r = await client.post(f"{WEBHOOKS}/crm/hubspot", content=body,
                          headers=hubspot_headers(body, f"{PUBLIC}{WEBHOOKS}/crm/hubspot"), auth=None)
    assert r.status_code == 202, r.text
    assert sorted(a["thread_id"] for a in r.json()["accepted"]) == ["hubspot:1001", "hubspot:1002", "hubspot:1003"]


async def test_hubspot_events_about_other_objects_are_acknowledged_with_nothing_done(hubspot):
    fake, runtime, client = hubspot
    body = json.dumps([hubspot_event(1, 901, object_type="0-1"), hubspot_event(2, 77, kind="object.creation", object_type="0-3"),
                       hubspot_event(3, 1002, kind="object.deletion")]).encode()
    r = await client.post(f"{WEBHOOKS}/crm/hubspot", content=body,
                          headers=hubspot_headers(body, f"{PUBLIC}{WEBHOOKS}/crm/hubspot"), auth=None)
    assert r.status_code == 200 and r.json() == {"accepted": [], "refused": {}, "duplicate_delivery": False}
    assert await nothing_recorded(runtime) and fake.patches == []


async def test_hubspot_v3_is_checked_over_the_uri_with_the_characters_hubspot_decodes(hubspot):
    fake, runtime, client = hubspot
    body = json.dumps([hubspot_event(1, 1002)]).encode()
    path = f"{WEBHOOKS}/crm/hubspot?source=portal%3A62515%2Cprod"  # the target URL as registered, query and all
    decoded = f"{PUBLIC}{WEBHOOKS}/crm/hubspot?source=portal:62515,prod"  # what HubSpot hashes
    assert HubSpotSignature("app-secret").sign("POST", PUBLIC + path, body, 1)["X-HubSpot-Signature-v3"] == \
        Signature.get_signature("app-secret", body.decode(), "v3", decoded, "POST", "1")
    r = await client.post(path, content=body, headers=hubspot_headers(body, decoded), auth=None)
    assert r.status_code == 202, r.text
    stale = hubspot_headers(body, decoded) | {"X-HubSpot-Request-Timestamp": str(int((time.time() - 600) * 1000))}
    assert (await client.post(path, content=body, headers=stale, auth=None)).status_code == 401
