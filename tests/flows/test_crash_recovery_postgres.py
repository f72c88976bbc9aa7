"""The production shape under `kill -9`: one web process and two `concierge worker` processes on
PostgreSQL take 56 tickets (the demo's seven, eight times over, each with its own customers)
through assignment, replies and call reports while a worker is killed at random moments and
restarted, and a worker is frozen past WORKER_STALLED_AFTER_S (its jobs are taken over while it
still holds them), once then thawed, once killed while frozen. Every ticket must reach the end the demo reaches, with no email, call, note or
alert made twice, no event left pending or failed, and no thread whose checkpoints fork."""

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
import psycopg
import pytest

from concierge.settings import PACKAGE_DATA
from concierge.tools.signing import HmacSignature, SignedWebhooks
from concierge.tools.voice.simulator import CallSimulator
from tests.flows.crash import act, settled
from tests.flows.test_demo import EXPECTED
from tests.processes import ROOT, VENV_BIN, free_port, offline_env, stop

pytestmark = pytest.mark.slow

COPIES = 8
KILLS = 5
STALLS = 2
STALLED_AFTER_S = 3
SECRET = "pg-crash-test-webhook-secret"
DEMO = json.loads((PACKAGE_DATA / "demo_tickets.json").read_text())


def _copy_id(ticket_id: str, copy: int) -> str:
    return str(copy * 10000 + int(ticket_id))


def seed(path: Path) -> tuple[dict[str, tuple], dict[str, dict]]:
    """The demo helpdesk copied COPIES times (new ticket ids, customers and addresses); returns the
    expected end of each AI ticket and each one's customer script."""
    customers, tickets, expected, script = [], [], {}, {}
    for copy in range(COPIES):
        for c in DEMO["customers"]:
            local, domain = c["email"].split("@")
            customers.append({**c, "id": f"{c['id']}-{copy}", "email": f"{local}+{copy}@{domain}"})
        for t in DEMO["tickets"]:
            tickets.append({**t, "id": _copy_id(t["id"], copy), "customer_id": f"{t['customer_id']}-{copy}"})
        for thread_id, end in EXPECTED.items():
            ticket = thread_id.split(":")[1]
            expected[f"local:{_copy_id(ticket, copy)}"] = end
            script[_copy_id(ticket, copy)] = DEMO["demo_script"].get(ticket, {})
    path.write_text(json.dumps({"customers": customers, "tickets": tickets, "demo_script": {}}))
    return expected, script


class Process:
    """A `concierge` process that can be killed with SIGKILL and started again."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], base: Path, ready) -> None:
        self.name, self.command, self.env, self.base, self.ready = name, command, env, base, ready
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.base / f"{self.name}-{self.starts}.log"

    def start(self, timeout_s: float = 180) -> None:
        self.starts += 1
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while not self.ready(self):
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{self.name} did not come up:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.2)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stall(self, seconds: float) -> None:
        """Freeze the process (as a stalled event loop would) for `seconds`, then let it go on."""
        os.killpg(self.process.pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.killpg(self.process.pid, signal.SIGCONT)


def _worker_ready(p: Process) -> bool:
    return "worker ready" in p.log.read_text(errors="replace")


def test_two_workers_killed_at_random_moments_lose_and_repeat_nothing(tmp_path, pg_url):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261124")))
    expected, script = seed(tmp_path / "tickets.json")
    data = tmp_path / "data"
    port = free_port()
    common = dict(DATABASE_URL=pg_url, AUTO_MIGRATE="false", WEBHOOK_SECRET=SECRET, SECRET_KEY="pg-crash-test-secret-key",
                  ALERTS_CONSOLE="false", RETRY_BACKOFF_S="0.2", WORKER_STALLED_AFTER_S=str(STALLED_AFTER_S),
                  HELPDESK_SEED_FILE=str(tmp_path / "tickets.json"),
                  CALL_WINDOW="00:00-24:00", CALL_ON_SUNDAYS="true", CALL_RETRY_MINUTES="0.02")
    web = Process("web", [str(VENV_BIN / "concierge"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "0"],
                  offline_env(data, **common, QDRANT_PATH=str(tmp_path / "qdrant-web")), tmp_path,
                  lambda p: _answers(f"http://127.0.0.1:{port}/healthz"))
    # The embedded knowledge-base folder is one process's: each worker gets its own.
    workers = [Process(f"worker{i}", [str(VENV_BIN / "concierge"), "worker", "--concurrency", "2"],
                       offline_env(data, **common, QDRANT_PATH=str(tmp_path / f"qdrant-{i}")), tmp_path, _worker_ready)
               for i in (1, 2)]
    simulator = CallSimulator(data / "calls", key="unused-for-playing")
    kills = 0
    try:
        web.start()
        for w in workers:
            w.start()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=SignedWebhooks(HmacSignature([SECRET])), timeout=10) as client:
            # Early rounds freeze a worker while it holds jobs (a live worker that looks dead: its jobs
            # are taken over while it still runs them); one of them kills it while frozen; the others kill one.
            for round_ in ["stall"] * (STALLS - 1) + ["stall, then kill"] + ["kill"] * (KILLS - 1):
                deadline = time.monotonic() + rng.uniform(0.5, 4.0)
                while time.monotonic() < deadline:  # traffic until then, whatever the workers are doing
                    act(client, simulator, script)
                victim = rng.choice(workers)
                if round_ == "stall":
                    victim.stall(STALLED_AFTER_S * 2 + 1)
                    continue
                if round_ == "stall, then kill":
                    os.killpg(victim.process.pid, signal.SIGSTOP)
                    time.sleep(STALLED_AFTER_S * 2 + 1)  # its jobs are taken over; then it dies without waking
                victim.kill()
                kills += 1
                victim.start()
            final, deadline = {}, time.monotonic() + 300
            while time.monotonic() < deadline:
                act(client, simulator, script)
                final = settled(client, expected)
                if final == expected:
                    break
                time.sleep(0.5)
            wrong = {t: (final.get(t), end) for t, end in expected.items() if final.get(t) != end}
            inboxes = {t: client.get(f"/api/v1/threads/{t}").json()["events"] for t in wrong}
            assert not wrong, (f"after {kills} kills, {len(wrong)} threads differ (got, expected): {json.dumps(wrong, indent=1)}\n"
                               f"their events: {json.dumps(inboxes, indent=1)}")
            details = {t: client.get(f"/api/v1/threads/{t}").json() for t in expected}
    finally:
        for p in (web, *workers):
            if p.process is not None:
                stop(p.process)

    sent = sorted(e["message_id"] for d in details.values() for e in d["emails"])
    outbox = sorted(
        next(line.split(":", 1)[1].strip() for line in p.read_text().splitlines() if line.lower().startswith("message-id:"))
        for p in (data / "outbox").glob("*.eml")
    )
    assert outbox == sent  # every email once (a re-send would carry another Message-ID)
    assert sorted(p.stem for p in (data / "calls").glob("*.json")) == sorted(c["call_id"] for d in details.values() for c in d["calls"])
    alerts = [json.loads(line) for line in (data / "alerts.jsonl").read_text().splitlines()]
    assert max(Counter(a["idempotency_key"] for a in alerts).values()) == 1
    assert len(alerts) == len(expected)
    with sqlite3.connect(data / "helpdesk.sqlite") as db:
        notes = Counter(ticket for (ticket,) in db.execute("SELECT ticket_id FROM notes"))
    assert notes == Counter({t.split(":")[1]: 1 for t in expected})
    with psycopg.connect(pg_url) as conn:
        # Nothing left behind but the reminder timers of emails awaiting an answer (not due for 48 h).
        left = conn.execute("SELECT source, event_id, status, error FROM events WHERE status IN ('pending', 'failed') "
                            "AND NOT (source = 'timer' AND kind = 'reply_overdue' AND status = 'pending')").fetchall()
    assert left == []
    with psycopg.connect(pg_url) as conn:
        # One line of checkpoints per thread: two attempts that both wrote would fork it.
        forks = conn.execute("SELECT thread_id, parent_checkpoint_id, count(*) FROM checkpoints WHERE checkpoint_ns = '' "
                             "GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
    assert forks == []
    assert kills == KILLS and sum(w.starts for w in workers) == 2 + KILLS


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
