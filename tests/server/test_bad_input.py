"""Malformed bodies get 422 with the reason (never a 5xx) and change nothing; oversized bodies
get 413; thread ids in paths are validated."""

from __future__ import annotations

import json

import pytest

from tests.server import THREADS, WEBHOOKS, assign, world

T1001 = "local:1001"
REPLY = {"from": "maria.costa@example.com", "to": [], "subject": "Re: Lisbon", "text": "Call me on +351 912 345 678"}

MALFORMED = [
    ("call_completed", '{"message":{"type":"end-of-call-report","call":"abc"}}'),
    ("call_completed", '{"message":{"type":"end-of-call-report","call":{"id":"c1"},"artifact":"transcript"}}'),
    ("call_completed", '{"message":{"type":"end-of-call-report","call":{"id":"c1"},"analysis":["booked"]}}'),
    ("call_completed", '{"message":{"type":"end-of-call-report","call":{"id":"c1"},"artifact":{"transcript":7}}}'),
    ("call_completed", '{"call_id":"x","call_length":"abc"}'),
    ("call_completed", '{"message":{"type":"end-of-call-report","call":{"id":"\\ud800"}}}'),
    ("call_completed", '[1, 2]'),
    ("ticket_assigned", '{"ticket_id":"\\ud800"}'),
    ("ticket_assigned", '{"ticket_id":"1001","event_id":"\\ud800"}'),
    ("ticket_assigned", '{"ticket_id":"../../etc/passwd"}'),
    ("ticket_assigned", '{"ticket_id": 1001.5}'),
    ("ticket_assigned", 'not json'),
    ("inbound_email", json.dumps({**REPLY, "message_id": "<a@b>\r\nBcc: x@evil.test"})),
    ("inbound_email", json.dumps({**REPLY, "message_id": "<a@b>\u2028Bcc: x@evil.test"}, ensure_ascii=False)),
    ("inbound_email", json.dumps(REPLY)[:-1] + ', "in_reply_to": "\\ud800"}'),
    ("inbound_email", json.dumps(REPLY)[:-1] + ', "references": ["\\ud800"]}'),
    ("inbound_email", json.dumps(REPLY)[:-1] + ', "message_id": "\\ud800"}'),
    ("inbound_email", json.dumps({**REPLY, "from": "not an address"})),
    ("inbound_email", json.dumps({**REPLY, "text": None})),
]


@pytest.mark.parametrize(("route", "body"), MALFORMED, ids=[f"{r}-{i}" for i, (r, _) in enumerate(MALFORMED)])
async def test_a_malformed_body_gets_422_with_the_reason_and_changes_nothing(client, runtime, route, body):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    r = await client.post(f"{WEBHOOKS}/{route}", content=body.encode("utf-8", "surrogatepass"),
                          headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]  # the reason in words
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


async def test_a_body_over_the_limit_gets_413_and_changes_nothing(client, runtime):
    await assign(client, runtime, "1001")
    before = await world(client, runtime, T1001, "1001")
    huge = json.dumps({**REPLY, "text": "0" * (runtime.settings.max_body_bytes + 1)})
    r = await client.post(f"{WEBHOOKS}/inbound_email", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413
    await runtime.queue.join()
    assert await world(client, runtime, T1001, "1001") == before


@pytest.mark.parametrize("path", ["local:10 01", "LOCAL:1001", "local:", ":1001", "local:1001;x", "local:.."])
async def test_thread_ids_in_paths_are_validated(client, runtime, path):
    await assign(client, runtime, "1001")
    assert (await client.get(f"{THREADS}/{path}")).status_code == 422
    assert (await client.post(f"{THREADS}/{path}/resume", json={"action": "close"})).status_code == 422


@pytest.mark.parametrize("path", ["local:1001%2F..%2F..", "..%2Flocal:1001"])
async def test_a_thread_id_with_a_slash_reaches_no_route(client, runtime, path):
    assert (await client.get(f"{THREADS}/{path}")).status_code == 404

@pytest.mark.parametrize("route", ["ticket_assigned", "inbound_email", "call_completed"])
async def test_a_body_that_is_not_text_gets_422(client, runtime, route):
    r = await client.post(f"{WEBHOOKS}/{route}", content=b"\xff!]\xfe", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
