"""Each helpdesk's webhook on `/api/v1/webhooks/crm/{helpdesk}`: its signature scheme (valid, wrong
secret, stale, altered body), 401 changing nothing, 409 for a ticket not assigned to the AI, and a
ticket announced by webhook twice and by poll being one thread with one note."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from concierge.actions.assignments import poll_assigned_tickets, poll_forever
from concierge.runtime.process import open_runtime
from concierge.tools.helpdesk.signatures import HubSpotSignature, JiraSignature, ZendeskSignature, ZohoToken
from concierge.tools.signing import InboundRequest, WebhookAuthError
from tests.conftest import make_settings
from tests.fakes import hubspot as fake_hubspot
from tests.fakes import zendesk as fake_zendesk
from tests.fakes.loopback import serve
from tests.server import WEBHOOKS, all_events, asgi_client, thread

URL = "https://concierge.example.com/api/v1/webhooks/crm/x"
BODY = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "SD-1"}}).encode()
STALE = time.time() - 600


def signed(scheme: str, secret: str, body: bytes = BODY, at: float | None = None) -> InboundRequest:
    """A request authenticated as the helpdesk does it, `at` a given time (default now)."""
    clock = (lambda: at) if at is not None else time.time
    if scheme == "hubspot":
        return InboundRequest("POST", URL, HubSpotSignature(secret, clock=clock).sign("POST", URL, body), body)
    if scheme == "zendesk":
        return InboundRequest("POST", URL, ZendeskSignature(secret, clock=clock).sign(body), body)
    if scheme == "jira":
        return InboundRequest("POST", URL, JiraSignature(secret).sign(body), body)
    return InboundRequest("POST", ZohoToken([secret]).url(URL), {}, body)  # Zoho: the token is in the registered URL


VERIFIERS = {"hubspot": HubSpotSignature("s3cret"), "zendesk": ZendeskSignature("s3cret"), "jira": JiraSignature("s3cret"),
             "zoho": ZohoToken(["s3cret"])}


@pytest.mark.parametrize("scheme", VERIFIERS)
def test_a_correctly_signed_request_passes_and_a_wrong_secret_does_not(scheme):
    VERIFIERS[scheme].verify(signed(scheme, "s3cret"))
    with pytest.raises(WebhookAuthError, match="does not match"):
        VERIFIERS[scheme].verify(signed(scheme, "other"))
    with pytest.raises(WebhookAuthError, match="missing"):
        VERIFIERS[scheme].verify(InboundRequest("POST", URL, {}, BODY))


@pytest.mark.parametrize("scheme", ["hubspot", "zendesk"])
def test_a_stale_or_altered_request_is_refused(scheme):
    with pytest.raises(WebhookAuthError, match="outside the allowed window"):
        VERIFIERS[scheme].verify(signed(scheme, "s3cret", at=STALE))
    request = signed(scheme, "s3cret")
    with pytest.raises(WebhookAuthError, match="does not match"):
        VERIFIERS[scheme].verify(InboundRequest("POST", URL, request.headers, request.body.replace(b"SD-1", b"SD-2")))


def test_jira_is_judged_by_its_signature_not_by_the_age_of_the_body():
    # Jira re-sends the same body (its `timestamp` included) for up to 30 minutes: an old one still verifies.
    old = json.dumps({"timestamp": int((time.time() - 25 * 60) * 1000), "webhookEvent": "jira:issue_updated",
                      "issue": {"key": "SD-1"}}).encode()
    VERIFIERS["jira"].verify(signed("jira", "s3cret", old))
    with pytest.raises(WebhookAuthError, match="does not match"):
        VERIFIERS["jira"].verify(InboundRequest("POST", URL, JiraSignature("s3cret").sign(old), old.replace(b"SD-1", b"SD-2")))


def test_zoho_takes_the_current_or_the_previous_token_from_the_url_only():
    rotated = ZohoToken(["new-token", "old-token"])
    for token in ("new-token", "old-token"):
        rotated.verify(InboundRequest("POST", f"{URL}?token={token}", {}, BODY))
    for url in (f"{URL}?token=older-token", f"{URL}?token=new-token&token=guess", f"{URL}?token="):
        with pytest.raises(WebhookAuthError):
            rotated.verify(InboundRequest("POST", url, {}, BODY))
    with pytest.raises(WebhookAuthError, match="missing"):  # a header is no substitute: Zoho cannot send one
        rotated.verify(InboundRequest("POST", URL, {"X-Zoho-Webhook-Token": "new-token"}, BODY))


def test_hubspot_signs_the_public_url_it_called():
    verifier = HubSpotSignature("s3cret", public_base_url="https://concierge.example.com/")
    headers = HubSpotSignature("s3cret").sign("POST", URL + "?a=1", BODY)
    verifier.verify(InboundRequest("POST", "http://10.0.0.5:8000/api/v1/webhooks/crm/x?a=1", headers, BODY))
    with pytest.raises(WebhookAuthError):
        HubSpotSignature("s3cret").verify(InboundRequest("POST", "http://10.0.0.5:8000/api/v1/webhooks/crm/x?a=1", headers, BODY))


# --- through the route, against the Zendesk fake ---------------------------------------------------------
SECRET = "zd-webhook-secret"


@pytest.fixture
async def zendesk(tmp_path, kb):
    fake = fake_zendesk.FakeZendesk()
    with serve(fake.app) as url:
        settings = make_settings(tmp_path / "data", **{
            "HELPDESK": "zendesk", "ZENDESK_BASE_URL": f"{url}/api/v2", "ZENDESK_EMAIL": fake_zendesk.EMAIL,
            "ZENDESK_API_TOKEN": fake_zendesk.TOKEN, "ZENDESK_AI_GROUP_ID": str(fake_zendesk.AI_GROUP),
            "ZENDESK_WEBHOOK_SECRET": SECRET, "HELPDESK_MAX_WAIT_S": 5,
        })
        async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
            yield fake, runtime, client


def zendesk_event(ticket_id: int) -> bytes:
    return json.dumps({"type": "zen:event-type:ticket.group_changed", "id": f"evt-{ticket_id}", "subject": f"zen:ticket:{ticket_id}",
                       "detail": {"id": str(ticket_id), "group_id": str(fake_zendesk.AI_GROUP)}}).encode()


async def post(client, body: bytes, headers: dict[str, str], helpdesk: str = "zendesk"):
    return await client.post(f"{WEBHOOKS}/crm/{helpdesk}", content=body, headers={"Content-Type": "application/json", **headers})


async def changed_nothing(runtime):
    return await all_events(runtime) == [] and await runtime.services.store.thread_ids() == [] \
        and await runtime.services.store.effects() == []


async def test_webhook_twice_and_a_poll_make_one_thread_and_one_note(zendesk):
    fake, runtime, client = zendesk
    body = zendesk_event(1002)
    r = await post(client, body, ZendeskSignature(SECRET).sign(body))
    assert r.status_code == 202, r.text
    [accepted] = r.json()["accepted"]
    assert accepted == {"thread_id": "zendesk:1002", "event_id": "assigned:zendesk:1002", "duplicate": False}
    await runtime.queue.join()
    assert (await thread(client, "zendesk:1002"))["outcome"]["status"] == "resolved"

    again = await post(client, body, ZendeskSignature(SECRET).sign(body))
    assert again.status_code == 202 and again.json()["accepted"][0]["duplicate"] is True
    polled = {a.thread_id: a.duplicate for a in await poll_assigned_tickets(runtime)}
    assert "zendesk:1002" not in polled  # solved now: no longer listed as the AI's
    await runtime.queue.join()
    assert len(fake.private_notes(1002)) == 1
    assert len([tid for tid, change in fake.updates if tid == 1002 and change.get("status") == "solved"]) == 1
    assert len([e for e in await all_events(runtime) if e["thread_id"] == "zendesk:1002"]) == 1


async def test_poll_then_webhook_for_the_same_assignment_is_one_event(zendesk):
    fake, runtime, client = zendesk
    for t in fake.tickets.values():  # one ticket for the AI, so the poll does not start the rest
        if t["id"] != 1003:
            t["group_id"] = 360003
    [taken] = await poll_assigned_tickets(runtime)
    assert (taken.thread_id, taken.duplicate) == ("zendesk:1003", False)
    body = zendesk_event(1003)
    r = await post(client, body, ZendeskSignature(SECRET).sign(body))
    assert r.status_code == 202 and r.json()["accepted"][0]["duplicate"] is True
    await runtime.queue.join()
    assert len(fake.private_notes(1003)) == 1
    assert len([change for tid, change in fake.updates if tid == 1003 and "assignee_id" in change]) == 1  # handed over once


@pytest.mark.parametrize("forge", ["unsigned", "wrong secret", "stale", "altered body"])
async def test_unsigned_forged_or_stale_deliveries_get_401_and_change_nothing(zendesk, forge):
    fake, runtime, client = zendesk
    body = zendesk_event(1002)
    headers = {
        "unsigned": {}, "wrong secret": ZendeskSignature("guess").sign(body),
        "stale": ZendeskSignature(SECRET, clock=lambda: STALE).sign(body),
        "altered body": ZendeskSignature(SECRET).sign(zendesk_event(1001)),
    }[forge]
    r = await post(client, body, headers)
    assert r.status_code == 401
    await runtime.queue.join()
    assert await changed_nothing(runtime) and fake.updates == []


async def test_a_ticket_not_assigned_to_the_ai_is_refused_with_409(zendesk):
    fake, runtime, client = zendesk
    fake.tickets[1004]["group_id"] = 360003
    body = zendesk_event(1004)
    r = await post(client, body, ZendeskSignature(SECRET).sign(body))
    assert r.status_code == 409 and "not the AI group" in r.json()["detail"]
    assert await changed_nothing(runtime)


async def test_another_helpdesk_or_a_body_without_a_ticket(zendesk):
    fake, runtime, client = zendesk
    body = b'{"hello": "world"}'
    assert (await post(client, body, ZendeskSignature(SECRET).sign(body))).status_code == 422
    assert (await post(client, body, {}, helpdesk="hubspot")).status_code == 404
    assert await changed_nothing(runtime)


async def test_hubspot_batch_is_verified_against_the_public_url(tmp_path, kb):
    fake = fake_hubspot.FakeHubSpot()
    fake.tickets["1004"]["properties"]["hubspot_owner_id"] = fake_hubspot.HUMAN_OWNER
    with serve(fake.app) as url:
        settings = make_settings(tmp_path / "data", **{
            "HELPDESK": "hubspot", "HUBSPOT_BASE_URL": url, "HUBSPOT_TOKEN": fake_hubspot.TOKEN,
            "HUBSPOT_AI_OWNER_ID": fake_hubspot.AI_OWNER, "HUBSPOT_CLIENT_SECRET": "app-secret",
            "PUBLIC_BASE_URL": "https://concierge.example.com", "HELPDESK_MAX_WAIT_S": 5,
        })
        async with open_runtime(settings, kb=kb) as runtime, asgi_client(runtime) as client:
            body = json.dumps([{"eventId": n, "subscriptionType": "ticket.propertyChange", "objectId": int(tid),
                                "propertyName": "hubspot_owner_id", "occurredAt": 1}
                               for n, tid in enumerate(["1002", "1004", "1002"])]).encode()
            public = "https://concierge.example.com/api/v1/webhooks/crm/hubspot"
            r = await post(client, body, HubSpotSignature("app-secret").sign("POST", public, body), helpdesk="hubspot")
            assert r.status_code == 202, r.text
            assert [a["thread_id"] for a in r.json()["accepted"]] == ["hubspot:1002"]
            assert "not the AI owner" in r.json()["refused"]["1004"]
            await runtime.queue.join()
            assert len(fake.notes_on("1002")) == 1
            signed_for_the_wrong_host = HubSpotSignature("app-secret").sign("POST", "http://concierge/api/v1/webhooks/crm/hubspot", body)
            assert (await post(client, body, signed_for_the_wrong_host, helpdesk="hubspot")).status_code == 401


async def test_the_server_poll_takes_new_tickets_and_outlives_an_outage(zendesk):
    fake, runtime, client = zendesk
    for t in fake.tickets.values():
        if t["id"] != 1002:
            t["group_id"] = 360003
    fake.faults.storm = 1000  # the helpdesk is throttling everything when polling starts
    poller = asyncio.create_task(poll_forever(runtime, 0.05))
    try:
        await asyncio.sleep(0.3)
        assert await runtime.services.store.thread_ids() == []
        fake.faults.storm = 0
        for _ in range(100):
            if await runtime.services.store.thread_ids():
                break
            await asyncio.sleep(0.05)
    finally:
        poller.cancel()
    assert await runtime.services.store.thread_ids() == ["zendesk:1002"]
