"""Tickets per second per `concierge worker` on PostgreSQL, from assignment to the offer (or answer)
email sent, with a zero-latency LLM (`bench.slow_llm --delay 0`: the offline engine's answers,
replayed): one worker process, then two.

Each run gets a fresh database (`concierge db upgrade`), a web process that only records and queues
(`serve --workers 0`) and N worker processes; the tickets are posted to the signed assignment
webhook and the clock stops when every thread has reached its first stop (the store's thread list).

    .venv/bin/python -m bench.pg_workers [--tickets 300] [--concurrency 4] [--database postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.common import BIN, free_port, machine, offline_env, server, wait_ready
from bench.tickets import write_seed
from concierge.tools.signing import HmacSignature, SignedWebhooks

SECRET = "bench-webhook-secret"


def _database(admin_url: str) -> tuple[str, str]:
    name = f"concierge_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _first_stops(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM threads WHERE status IN ('waiting', 'done')").fetchone()[0]


async def _post_all(web: str, ids: list[str]) -> None:
    auth = SignedWebhooks(HmacSignature([SECRET]))
    async with httpx.AsyncClient(base_url=web, auth=auth, timeout=60, limits=httpx.Limits(max_connections=20)) as client:
        async def post(ticket_id: str) -> None:
            (await client.post("/api/v1/webhooks/ticket_assigned", json={"ticket_id": ticket_id})).raise_for_status()

        await asyncio.gather(*(post(t) for t in ids))


def run(admin_url: str, workers: int, tickets: int, concurrency: int, llm_url: str) -> tuple[float, float]:
    """(tickets per second, seconds) for one deployment of `workers` worker processes."""
    name, url = _database(admin_url)
    base = Path(tempfile.mkdtemp(prefix=f"bench-pg-{workers}w-"))
    try:
        seed = base / "tickets.json"
        ids = write_seed(seed, tickets)
        common = dict(DATABASE_URL=url, AUTO_MIGRATE="false", WEBHOOK_SECRET=SECRET, SECRET_KEY="bench-secret-key",
                      HELPDESK_SEED_FILE=str(seed), LLM_BASE_URL=llm_url, LLM_API_KEY="bench")
        env = offline_env(base / "data", **common)
        subprocess.run([str(BIN / "concierge"), "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        with server([str(BIN / "concierge"), "serve", "--port", str(port), "--workers", "0"],
                    offline_env(base / "data", **common, QDRANT_PATH=str(base / "q-web")), base / "web.log") as web:
            wait_ready(f"http://127.0.0.1:{port}/healthz", process=web)
            with ExitStack() as running:
                for i in range(workers):
                    running.enter_context(server([str(BIN / "concierge"), "worker", "--concurrency", str(concurrency)],
                                                 offline_env(base / "data", **common, QDRANT_PATH=str(base / f"q-{i}")),
                                                 base / f"worker{i}.log"))
                for i in range(workers):  # each worker loads its models and ingests before it takes jobs
                    while "worker ready" not in (base / f"worker{i}.log").read_text():
                        time.sleep(0.1)
                start = time.perf_counter()
                asyncio.run(_post_all(f"http://127.0.0.1:{port}", ids))
                while _first_stops(url) < tickets:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - start
        return tickets / elapsed, elapsed
    finally:
        _drop(admin_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4, help="jobs at once per worker process")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test", help="where bench databases are created")
    args = parser.parse_args()
    llm_port = free_port()
    with server([str(BIN / "python"), "-m", "bench.slow_llm", "--port", str(llm_port), "--delay", "0"],
                offline_env(Path(tempfile.mkdtemp())), Path(tempfile.mkdtemp()) / "llm.log"):
        wait_ready(f"http://127.0.0.1:{llm_port}/calls")
        llm_url = f"http://127.0.0.1:{llm_port}/v1"
        figures = {}
        for workers in (1, 2):
            rates = [run(args.database, workers, args.tickets, args.concurrency, llm_url)[0] for _ in range(args.rounds)]
            figures[workers] = statistics.median(rates)
            print(f"{workers} worker process(es) × {args.concurrency} jobs: {args.tickets} tickets, "
                  f"median {figures[workers]:.1f} tickets/s ({figures[workers] / workers:.1f} per worker); runs {[round(r, 1) for r in rates]}")
    print(f"2 workers / 1 worker: {figures[2] / figures[1]:.2f}×   target ≥ 30 tickets/s/worker, 2 workers ≥ 1.7× one")
    print(f"machine: {machine()}; the web process, the fake LLM and PostgreSQL share these cores with the workers")


if __name__ == "__main__":
    main()
