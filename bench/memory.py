"""Resident memory of the processes that work on tickets, after 100 of them (copies of the demo's,
each to its first stop: the offer or answer email sent), on the embedded defaults and the offline
engine:

- `concierge serve` on the SQLite files, which runs the tickets itself: at ready, then after;
- on PostgreSQL, a `concierge worker` beside a web process that only records and queues
  (`serve --workers 0`): the worker at ready (models loaded), then after, and the web process.

    .venv/bin/python -m bench.memory [--tickets 100] [--database postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import BIN, free_port, machine, offline_env, rss_mb, server, wait_ready
from bench.pg_workers import SECRET, _database, _drop, _first_stops, _post_all
from bench.tickets import write_seed

TARGET_MB = 300


def _until(done: Callable[[], int], count: int, timeout_s: float = 900) -> None:
    deadline = time.monotonic() + timeout_s
    while done() < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done()} of {count} tickets reached their first stop")
        time.sleep(0.2)


def embedded(tickets: int) -> tuple[float, float]:
    """`concierge serve` on SQLite: (MB at ready, MB after the tickets)."""
    base = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    seed = base / "tickets.json"
    ids = write_seed(seed, tickets)
    port = free_port()
    env = offline_env(base / "data", WEBHOOK_SECRET=SECRET, HELPDESK_SEED_FILE=str(seed))
    with server([str(BIN / "concierge"), "serve", "--port", str(port)], env, base / "serve.log") as web:
        wait_ready(f"http://127.0.0.1:{port}/healthz", process=web)
        ready = rss_mb(web.pid)
        asyncio.run(_post_all(f"http://127.0.0.1:{port}", ids))

        def stopped() -> int:
            with sqlite3.connect(base / "data" / "concierge.sqlite") as db:
                return db.execute("SELECT count(*) FROM threads WHERE status IN ('waiting', 'done')").fetchone()[0]

        _until(stopped, tickets)
        return ready, rss_mb(web.pid)


def on_postgres(admin_url: str, tickets: int) -> tuple[float, float, float]:
    """A worker at ready and after the tickets, and the web process after (MB)."""
    name, url = _database(admin_url)
    base = Path(tempfile.mkdtemp(prefix="bench-mem-pg-"))
    try:
        seed = base / "tickets.json"
        ids = write_seed(seed, tickets)
        common = dict(DATABASE_URL=url, AUTO_MIGRATE="false", WEBHOOK_SECRET=SECRET, SECRET_KEY="bench-secret-key",
                      HELPDESK_SEED_FILE=str(seed))
        subprocess.run([str(BIN / "concierge"), "db", "upgrade"], env=offline_env(base / "data", **common), check=True, capture_output=True)
        port = free_port()
        with server([str(BIN / "concierge"), "serve", "--port", str(port), "--workers", "0"],
                    offline_env(base / "data", **common, QDRANT_PATH=str(base / "q-web")), base / "web.log") as web, \
                server([str(BIN / "concierge"), "worker", "--concurrency", "4"],
                       offline_env(base / "data", **common, QDRANT_PATH=str(base / "q-worker")), base / "worker.log") as worker:
            wait_ready(f"http://127.0.0.1:{port}/healthz", process=web)
            while "worker ready" not in (base / "worker.log").read_text():
                time.sleep(0.1)
            ready = rss_mb(worker.pid)
            asyncio.run(_post_all(f"http://127.0.0.1:{port}", ids))
            _until(lambda: _first_stops(url), tickets)
            return ready, rss_mb(worker.pid), rss_mb(web.pid)
    finally:
        _drop(admin_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test", help="where the bench database is created")
    args = parser.parse_args()
    ready, after = embedded(args.tickets)
    print(f"concierge serve (SQLite, runs the tickets): {ready:.0f} MB at ready, {after:.0f} MB after {args.tickets} tickets")
    w_ready, w_after, web = on_postgres(args.database, args.tickets)
    print(f"concierge worker (PostgreSQL): {w_ready:.0f} MB at ready, {w_after:.0f} MB after {args.tickets} tickets; "
          f"the web process beside it {web:.0f} MB")
    print(f"target: a worker that has triaged and searched ≤ {TARGET_MB} MB: {'met' if w_after <= TARGET_MB else 'NOT met'}")
    print(f"machine: {machine()}")


if __name__ == "__main__":
    main()
