"""How long `concierge serve` takes to answer /healthz, and its resident memory then (before the
first ticket), on the embedded defaults: first with a fresh data folder (the knowledge base is
filled by a child process after ready), then twice more on the same folder. Each run then times
its first ticket (a new one each run), which loads the embedding model.

    .venv/bin/python -m bench.serve_startup [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import BIN, free_port, machine, offline_env, rss_mb, server, wait_ready
from concierge.tools.signing import HmacSignature

SECRET = "bench-startup-secret"


def first_ticket(url: str, ticket_id: str) -> float:
    """Seconds from assigning a ticket to its first stop (the answer or offer email sent)."""
    raw = json.dumps({"ticket_id": ticket_id}).encode()
    start = time.monotonic()
    r = httpx.post(f"{url}/api/v1/webhooks/ticket_assigned", content=raw, timeout=60,
                   headers={"content-type": "application/json", "X-Concierge-Signature": HmacSignature([SECRET]).sign(raw)})
    r.raise_for_status()
    while True:  # until it waits for the customer's reply or is done
        detail = httpx.get(f"{url}/api/v1/threads/local:{ticket_id}", timeout=60).json()
        if detail.get("stage") == "done" or detail.get("waiting_for"):
            break
        time.sleep(0.05)
    return time.monotonic() - start


def one_run(base: Path, ticket_id: str) -> tuple[float, float, float, float, float]:
    """(seconds to ready, MB resident at ready, MB 10 s later, seconds the first ticket took, MB after it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = offline_env(base / "data", WEBHOOK_SECRET=SECRET)
    with server([str(BIN / "concierge"), "serve", "--port", str(port)], env, base / f"serve-{time.time_ns()}.log") as process:
        seconds = wait_ready(f"{url}/healthz", process=process)
        at_ready = rss_mb(process.pid)
        time.sleep(10)  # anything warmed in the background after ready
        later = rss_mb(process.pid)
        wait_ready(f"{url}/readyz", timeout_s=300)
        ticket_s = first_ticket(url, ticket_id)
        after_ticket = rss_mb(process.pid)
    return seconds, at_ready, later, ticket_s, after_ticket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, choices=[1, 2, 3])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        results = []
        for i, ticket_id in enumerate(["1002", "1007", "1001"][: args.runs]):  # a new ticket each run
            seconds, ready_mb, later_mb, ticket_s, ticket_mb = one_run(base, ticket_id)
            kind = "fresh data folder" if i == 0 else "existing data folder"
            print(f"run {i + 1} ({kind}): ready in {seconds:.2f} s, {ready_mb:.0f} MB resident at ready, {later_mb:.0f} MB 10 s later; "
                  f"first ticket {ticket_s:.2f} s, {ticket_mb:.0f} MB after it")
            results.append((seconds, ready_mb, later_mb, ticket_s, ticket_mb))
    print(f"median: ready in {statistics.median(r[0] for r in results):.2f} s (target ≤ 5 s), "
          f"{statistics.median(r[1] for r in results):.0f} MB at ready (target ≤ 400 MB), "
          f"{statistics.median(r[2] for r in results):.0f} MB 10 s later; first ticket {statistics.median(r[3] for r in results):.2f} s, "
          f"{statistics.median(r[4] for r in results):.0f} MB after it (the embedding model loads on first use)")


if __name__ == "__main__":
    main()
