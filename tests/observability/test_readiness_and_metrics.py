"""/readyz names the part that is down; /metrics counts events, jobs, threads and LLM calls from
real runs; the thread API and metrics are closed on a public address without ADMIN_TOKEN."""

from __future__ import annotations

import re

from concierge.runtime.process import open_runtime
from tests.conftest import make_settings
from tests.server import THREADS, asgi_client, assign


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples with these labels in Prometheus text format (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_ready_when_every_part_answers(client):
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "failed": [],
                        "checks": {"database": "ok", "queue": "ok", "knowledge_base": "ok"}}


async def test_not_ready_names_the_knowledge_base_while_it_is_being_filled(client, runtime):
    gate = runtime.services.kb.hold()
    try:
        r = await client.get("/readyz")
    finally:
        gate.set()
    assert r.status_code == 503
    assert r.json()["failed"] == ["knowledge_base"]
    assert r.json()["checks"]["knowledge_base"] == "still ingesting the inventory"
    assert (await client.get("/readyz")).status_code == 200


async def test_not_ready_names_the_database_when_it_is_unreachable(client, runtime):
    store = runtime.services.store
    await store.close()
    try:
        r = await client.get("/readyz")
    finally:
        await store.open()
    assert r.status_code == 503
    assert r.json()["failed"] == ["database"]
    assert "store is not open" in r.json()["checks"]["database"]


async def test_not_ready_when_the_queue_workers_stopped(client, runtime):
    await runtime.queue.stop()
    r = await client.get("/readyz")
    assert r.status_code == 503 and r.json()["failed"] == ["queue"]


async def test_metrics_count_a_processed_ticket(client, runtime):
    before = (await client.get("/metrics")).text
    await assign(client, runtime, "1002")  # a support question: answered and resolved
    again = await client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": "1002"})
    assert again.json()["duplicate"] is True
    r = await client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    after = r.text

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("concierge_events_total", source="local", result="received") == 1
    assert grew("concierge_events_total", source="local", result="duplicate") == 1
    assert grew("concierge_events_total", source="local", result="done") == 1
    assert grew("concierge_job_seconds_count", kind="ticket_assigned") == 1
    assert grew("concierge_llm_calls_total", result="ok") >= 1  # triage at least, through the callback
    assert sample(after, "concierge_threads", stage="done", outcome="resolved") == 1


async def test_threads_gauge_shows_a_waiting_thread_by_stage(client, runtime):
    await assign(client, runtime, "1001")  # a booking: the offer goes out, the thread waits for the reply
    detail = (await client.get(f"{THREADS}/local:1001")).json()
    text = (await client.get("/metrics")).text
    assert sample(text, "concierge_threads", stage=detail["stage"], outcome="") == 1
    [row] = [t for t in await runtime.services.store.threads_by_status("waiting") if t["thread_id"] == "local:1001"]
    assert row["waiting_for"] == "email_reply"


async def test_the_thread_api_is_closed_on_a_public_address_without_an_admin_token(tmp_path, kb):
    public = make_settings(tmp_path / "data", HOST="0.0.0.0")
    async with open_runtime(public, kb=kb, workers=1) as rt, asgi_client(rt) as client:
        r = await client.get(THREADS)
        assert r.status_code == 401 and "ADMIN_TOKEN is not set" in r.json()["detail"]
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/healthz")).status_code == 200


async def test_a_request_arriving_on_a_public_interface_needs_the_token_too(runtime):
    """The app run by other means (uvicorn --host 0.0.0.0): the socket's address decides."""
    from httpx import ASGITransport, AsyncClient

    from concierge.server.app import create_app

    app = create_app(runtime)
    transport = ASGITransport(app=app, client=("203.0.113.9", 5000))
    async with AsyncClient(transport=transport, base_url="http://198.51.100.7:8000") as public:
        assert (await public.get(THREADS)).status_code == 401
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://127.0.0.1:8000") as local:
        assert (await local.get(THREADS)).status_code == 200


def test_provider_errors_are_counted_under_the_part_whose_module_raised_them():
    """The `part` label of concierge_provider_errors follows where each kind of part lives in the package."""
    from concierge.observability.metrics import part_of
    from concierge.tools.alerts.base import AlertDeliveryError
    from concierge.tools.email.errors import TransientEmailFailure
    from concierge.tools.helpdesk.http import HelpdeskError
    from concierge.tools.llm.structured import BudgetExceeded

    errors = [HelpdeskError("refused"), TransientEmailFailure("later"), AlertDeliveryError("down"), BudgetExceeded(1.0, 1.0)]
    assert [part_of(e) for e in errors] == ["helpdesk", "email", "alerts", "llm"]
    assert part_of(ValueError("ours")) == "other"
