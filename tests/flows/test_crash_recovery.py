"""`kill -9` at random moments: `concierge serve` is killed again and again while the demo tickets
go through assignment, replies and call reports, and restarted each time. Every ticket must still
reach the end the demo reaches, with no email, call, note or alert made twice and none stuck."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from concierge.settings import PACKAGE_DATA
from concierge.tools.signing import HmacSignature, SignedWebhooks
from concierge.tools.voice.simulator import CallSimulator
from tests.flows.crash import act, settled
from tests.flows.test_demo import EXPECTED
from tests.processes import ROOT, VENV_BIN, free_port, offline_env, stop

pytestmark = pytest.mark.slow

KILLS = 12
SECRET = "crash-test-webhook-secret"
SCRIPT = {t.split(":")[1]: json.loads((PACKAGE_DATA / "demo_tickets.json").read_text())["demo_script"].get(t.split(":")[1], {})
          for t in sorted(EXPECTED)}


class Server:
    """`concierge serve` that can be killed with SIGKILL and started again on the same data."""

    def __init__(self, base: Path) -> None:
        self.base, self.port = base, free_port()
        self.data_dir = base / "data"
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = offline_env(self.data_dir, WEBHOOK_SECRET=SECRET, ALERTS_CONSOLE="false", RETRY_BACKOFF_S="0.2",
                               CALL_WINDOW="00:00-24:00", CALL_ON_SUNDAYS="true", CALL_RETRY_MINUTES="0.02")
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout_s: float = 120) -> None:
        self.starts += 1
        log = (self.base / f"server-{self.starts}.log").open("wb")
        command = [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.base / f"server-{self.starts}.log").read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not come up")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def test_kill_9_at_random_moments_loses_and_repeats_nothing(tmp_path):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261124")))
    server = Server(tmp_path)
    simulator = CallSimulator(server.data_dir / "calls", key="unused-for-playing")
    signed = SignedWebhooks(HmacSignature([SECRET]))
    kills = 0
    try:
        server.start()
        with httpx.Client(base_url=server.url, auth=signed, timeout=5) as client:
            while kills < KILLS:
                deadline = time.monotonic() + rng.uniform(0.05, 2.5)
                while time.monotonic() < deadline:  # traffic until the kill, whatever it is doing
                    try:
                        act(client, simulator, SCRIPT)
                    except httpx.TransportError:
                        break
                server.kill()
                kills += 1
                server.start()
            # No more kills: the customers finish and every thread settles.
            final, deadline = {}, time.monotonic() + 180
            while time.monotonic() < deadline:
                act(client, simulator, SCRIPT)
                final = settled(client, EXPECTED)
                if final == EXPECTED:
                    break
                time.sleep(0.3)
            assert final == EXPECTED, f"after {kills} kills: {json.dumps(final, indent=1)}"
            details = {t: client.get(f"/api/v1/threads/{t}").json() for t in EXPECTED}
    finally:
        if server.process is not None:
            stop(server.process)

    data = server.data_dir
    # Emails: exactly the ones the threads record, each once (a re-send would carry another Message-ID).
    sent = sorted(e["message_id"] for d in details.values() for e in d["emails"])
    outbox = sorted(
        next(line.split(":", 1)[1].strip() for line in p.read_text().splitlines() if line.lower().startswith("message-id:"))
        for p in (data / "outbox").glob("*.eml")
    )
    assert outbox == sent
    # Calls: exactly the ones the threads placed.
    assert sorted(p.stem for p in (data / "calls").glob("*.json")) == sorted(c["call_id"] for d in details.values() for c in d["calls"])
    # Alerts: one per outcome, none twice.
    alerts = [json.loads(line) for line in (data / "alerts.jsonl").read_text().splitlines()]
    keys = Counter(a["idempotency_key"] for a in alerts)
    assert max(keys.values()) == 1
    assert len(alerts) == len(EXPECTED), [a["title"] for a in alerts]
    # Notes: one per outcome on each ticket.
    with sqlite3.connect(data / "helpdesk.sqlite") as db:
        notes = Counter(ticket for (ticket,) in db.execute("SELECT ticket_id FROM notes"))
    assert notes == Counter({t.split(":")[1]: 1 for t in EXPECTED})
    # Nothing left behind: no pending or failed event, but the reminder timers of offers (not due for 48 h;
    # those whose email was answered are ignored when they fire).
    with sqlite3.connect(data / "concierge.sqlite") as db:
        left = db.execute("SELECT source, event_id, status, error FROM events WHERE status IN ('pending', 'failed') "
                          "AND NOT (source = 'timer' AND kind = 'reply_overdue' AND status = 'pending')").fetchall()
    assert left == []
    assert kills >= 10 and server.starts == kills + 1
