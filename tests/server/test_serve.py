"""`concierge serve`: the production entry point as a process, over real HTTP, with an admin token."""

from __future__ import annotations

import signal
import time

import httpx
import pytest

from concierge.tools.signing import HmacSignature, SignedWebhooks
from tests.processes import VENV_BIN, free_port, offline_env, running_server, stop

pytestmark = pytest.mark.slow

TOKEN = "serve-test-token"
WEBHOOK_SECRET = "serve-test-webhook-secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    base = tmp_path_factory.mktemp("serve")
    command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running_server(command, base=base, port=port, ready_path="/healthz",
                        env=offline_env(base / "data", ADMIN_TOKEN=TOKEN, WEBHOOK_SECRET=WEBHOOK_SECRET, ALERTS_CONSOLE="false")) as running:
        yield running


def wait_for(client: httpx.Client, thread_id: str, condition, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = client.get(f"/api/v1/threads/{thread_id}")
        if r.status_code == 200 and condition(r.json()):
            return r.json()
        time.sleep(0.2)
    raise AssertionError(f"{thread_id} never reached the condition; last: {r.status_code} {r.text[:500]}")


def test_a_support_ticket_is_answered_and_resolved_over_http(server):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    signed = SignedWebhooks(HmacSignature([WEBHOOK_SECRET]))
    with httpx.Client(base_url=server.url, headers=auth, auth=signed, timeout=30) as client:
        assert client.get("/healthz").json()["llm"] == "offline"
        unsigned = client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": "1002"}, auth=None)
        assert unsigned.status_code == 401

        r = client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": "1002"})
        assert r.status_code == 202 and r.json()["thread_id"] == "local:1002"  # acknowledged before the work is done

        detail = wait_for(client, "local:1002", lambda t: t["stage"] == "done")
        assert detail["outcome"]["status"] == "resolved"
        assert [e["kind"] for e in detail["emails"]] == ["support_answer"]
        assert len(list((server.data_dir / "outbox").glob("*.eml"))) == 1

        assert client.get("/api/v1/threads", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(f"{server.url}/api/v1/threads").status_code == 401


def test_the_server_stops_cleanly_on_sigterm(server):
    # Runs last in this module: the fixture's server is stopped here, and its lifespan must close the runtime.
    stop(server.process)
    # uvicorn finishes its shutdown, then exits by re-raising the signal it caught
    assert server.process.returncode in (0, -signal.SIGTERM), server.log_tail()
    log = server.log_tail()
    assert "Application shutdown complete." in log and "Traceback" not in log
