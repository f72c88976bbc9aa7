"""Every webhook route verifies its sender before it reads, records or acts on anything:
unsigned, forged, stale or altered requests get 401 and change nothing."""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest

from concierge.tools.email.addresses import reply_address
from concierge.tools.signing import HmacSignature, SignedWebhooks
from tests.server import WEBHOOKS, assign, world

T1001 = "local:1001"


def sim_report(call_id: str) -> dict:
    return {"message": {"type": "end-of-call-report", "endedReason": "assistant-ended-call", "call": {"id": call_id},
                        "artifact": {"transcript": "User: yes, book it"}, "analysis": {"successEvaluation": "true"}}}


async def waiting_thread(client, runtime):
    """Ticket 1001 waiting for its call report, and one valid body per generic route."""
    detail = await assign(client, runtime, "1001")
    reply = {"from": "maria.costa@example.com", "to": [], "subject": "Re: Lisbon", "text": "Call me on +351 912 345 678",
             "message_id": "<r1@customer.example.com>", "in_reply_to": detail["emails"][-1]["message_id"]}
    assert (await client.post(f"{WEBHOOKS}/inbound_email", json=reply)).status_code == 202
    await runtime.queue.join()
    call_id = (await runtime.runner.snapshot(T1001)).values["calls"][-1]["call_id"]
    return {
        "ticket_assigned": {"ticket_id": "1004"},
        "inbound_email": {**reply, "message_id": "<r2@customer.example.com>", "text": "Also +44 20 7946 0000"},
        "call_completed": sim_report(call_id),
    }


def forged_headers(secret: str, body: bytes, *, age_s: int = 0) -> dict[str, str]:
    signature = HmacSignature([secret]).sign(body, timestamp=int(time.time()) - age_s)
    return {HmacSignature.HEADER: signature, "content-type": "application/json"}


@pytest.mark.parametrize("route", ["ticket_assigned", "inbound_email", "call_completed"])
async def test_unsigned_forged_stale_or_altered_requests_are_refused_and_change_nothing(client, runtime, route):
    bodies = await waiting_thread(client, runtime)
    before = await world(client, runtime, T1001, "1001")
    raw = json.dumps(bodies[route]).encode()
    secret = runtime.settings.webhook_secrets[0]
    good = forged_headers(secret, raw)
    attempts = {
        "unsigned": ({"content-type": "application/json"}, raw),
        "wrong secret": (forged_headers("not-the-secret", raw), raw),
        "stale": (forged_headers(secret, raw, age_s=600), raw),
        "altered body": (good, raw + b" "),  # still valid JSON, not the bytes that were signed
        "malformed header": ({HmacSignature.HEADER: "v1=deadbeef", "content-type": "application/json"}, raw),
    }
    for name, (headers, content) in attempts.items():
        r = await client.post(f"{WEBHOOKS}/{route}", content=content, headers=headers, auth=None)
        assert r.status_code == 401, (name, r.text)
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before
    # The same request signed properly is accepted.
    assert (await client.post(f"{WEBHOOKS}/{route}", content=raw, headers=good, auth=None)).status_code in (200, 202)


async def test_a_rotated_secret_is_accepted_beside_the_new_one(tmp_path, kb):
    from concierge.runtime.process import open_runtime
    from tests.conftest import make_settings
    from tests.server import asgi_client

    rotated = make_settings(tmp_path / "data", WEBHOOK_SECRET="new-secret,old-secret")
    async with open_runtime(rotated, kb=kb) as rt, asgi_client(rt) as client:
        for secret in ("new-secret", "old-secret"):
            raw = json.dumps({"ticket_id": "1002"}).encode()
            r = await client.post(f"{WEBHOOKS}/ticket_assigned", content=raw, headers=forged_headers(secret, raw), auth=None)
            assert r.status_code == 202, r.text
        raw = json.dumps({"ticket_id": "1002"}).encode()
        r = await client.post(f"{WEBHOOKS}/ticket_assigned", content=raw, headers=forged_headers("older-secret", raw), auth=None)
        assert r.status_code == 401


def test_the_secrets_are_read_from_the_setting_comma_separated(tmp_path):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, WEBHOOK_SECRET=" new , old ")
    assert settings.webhook_secrets == ["new", "old"]
    generated = make_settings(tmp_path / "other")
    assert len(generated.webhook_secrets[0]) == 64  # random, kept in the data folder
    assert make_settings(tmp_path / "other").webhook_secrets == generated.webhook_secrets


async def test_ids_a_forger_could_compute_from_the_thread_id_match_nothing(client, runtime):
    await waiting_thread(client, runtime)
    values = (await runtime.runner.snapshot(T1001)).values
    # What the ids used to be: hashes of the thread id, computable by anyone.
    guessable_call = "sim-" + hashlib.sha256(b"local:1001:call:1").hexdigest()[:16]
    guessable_email = f"<{hashlib.sha256(b'local:1001:email:1').hexdigest()[:24]}@concierge.example.com>"
    assert values["calls"][-1]["call_id"] != guessable_call
    assert values["emails"][-1]["message_id"] != guessable_email
    before = await world(client, runtime, T1001, "1001")

    r = await client.post(f"{WEBHOOKS}/call_completed", json=sim_report(guessable_call))
    assert r.status_code == 404
    for to, in_reply_to in ((["reply+local.1001@concierge.example.com"], None),
                            ([reply_address(T1001, "concierge.example.com", "a-guessed-key")], None),
                            ([], guessable_email)):
        forged = {"from": "attacker@evil.test", "to": to, "subject": "Re", "text": "Call me on +1 202 555 0143",
                  "message_id": "<x@evil.test>", **({"in_reply_to": in_reply_to} if in_reply_to else {})}
        r = await client.post(f"{WEBHOOKS}/inbound_email", json=forged)
        assert r.status_code == 202 and r.json()["matched"] is False  # kept aside for a person, never on the thread
    await runtime.queue.join()
    after = await world(client, runtime, T1001, "1001")
    for unchanged in ("thread", "ticket", "notes", "outbox", "calls", "events", "threads"):
        assert after[unchanged] == before[unchanged], unchanged


async def test_signed_webhooks_sign_only_webhook_paths():
    signature = HmacSignature(["s"])
    auth = SignedWebhooks(signature)
    webhook = next(auth.auth_flow(httpx.Request("POST", "http://x/api/v1/webhooks/ticket_assigned", content=b"{}")))
    other = next(auth.auth_flow(httpx.Request("GET", "http://x/api/v1/threads")))
    assert HmacSignature.HEADER in webhook.headers and HmacSignature.HEADER not in other.headers
