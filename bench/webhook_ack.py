"""Webhook acknowledgement latency of `concierge serve` against a bare FastAPI route doing the same
signature check (`bench.bare_app`), both real uvicorn processes, 100 concurrent clients, measured
interleaved (rounds alternate between the two), first idle, then while a backlog of new tickets
runs through the graph in the server.

Each measured request assigns an already-known ticket under a new event id: verified, recorded in
the inbox, queued, answered 202 (the worker's share is a no-op). The backlog is a burst of
assignments of new tickets sent just before the measured rounds.

    .venv/bin/python -m bench.webhook_ack [--rounds 8] [--per-round 400] [--backlog 600]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import BIN, free_port, machine, offline_env, percentile, server, wait_ready
from bench.tickets import write_seed
from concierge.tools.signing import HmacSignature

SECRET = "bench-webhook-secret"
PATH = "/api/v1/webhooks/ticket_assigned"
CLIENTS = 100
signer = HmacSignature([SECRET])
_ids = itertools.count()


def signed(body: dict) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"content-type": "application/json", "X-Concierge-Signature": signer.sign(raw)}


class Connection:
    """A keep-alive HTTP/1.1 connection on bare asyncio streams: far less client overhead per
    request than a full HTTP client, so the server, not the load generator, sets the latency."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, raw: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"POST {path} HTTP/1.1\r\nhost: {self.host}\r\ncontent-length: {len(raw)}\r\n{head}\r\n".encode() + raw)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)


async def burst(url: str, bodies: list[dict]) -> list[float]:
    """Send `bodies` with CLIENTS requests in flight at a time; each one's latency in ms."""
    host, port = url.removeprefix("http://").split(":")
    requests = [signed(body) for body in bodies]  # signed before the clock starts
    latencies: list[float] = []
    todo = iter(requests)

    async def one_client() -> None:
        connection = Connection(host, int(port))
        for raw, headers in todo:
            start = time.perf_counter()
            status, answer = await connection.post(PATH, raw, headers)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 202:
                raise RuntimeError(f"{url}: {status} {answer[:200]!r}")
        if connection.writer is not None:
            connection.writer.close()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return latencies


async def measure(client: httpx.AsyncClient, targets: dict[str, str], known: list[str], rounds: int, per_round: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {name: [] for name in targets}
    for r in range(rounds):
        order = list(targets) if r % 2 == 0 else list(reversed(targets))
        for name in order:
            bodies = [{"ticket_id": known[i % len(known)], "event_id": f"bench-{next(_ids)}"} for i in range(per_round)]
            results[name].extend(await burst(targets[name], bodies))
    return results


async def pending(client: httpx.AsyncClient, url: str) -> int:
    """Events the server has received but not finished, from its metrics."""
    text = (await client.get(url + "/metrics")).text
    counts = {"received": 0.0, "done": 0.0, "failed": 0.0, "ignored": 0.0}
    for line in text.splitlines():
        if line.startswith("concierge_events_total{"):
            result = line.split('result="')[1].split('"')[0]
            if result in counts and 'source="local"' in line:
                counts[result] += float(line.rsplit(" ", 1)[1])
    return int(counts["received"] - counts["done"] - counts["failed"] - counts["ignored"])


def gc_pauses(metrics: str) -> str:
    """Collections and their total pause per generation, from the server's metrics."""
    found = {}
    for line in metrics.splitlines():
        for field in ("count", "sum"):
            if line.startswith(f"concierge_gc_pause_seconds_{field}{{"):
                generation = line.split('generation="')[1].split('"')[0]
                found.setdefault(generation, {})[field] = float(line.rsplit(" ", 1)[1])
    return "; ".join(f"gen{g}: {int(v['count'])} × mean {v['sum'] / max(v['count'], 1) * 1000:.1f} ms" for g, v in sorted(found.items()))


def report(phase: str, results: dict[str, list[float]]) -> None:
    bare, ours = results["bare"], results["concierge"]
    p50b, p99b, p50c, p99c = percentile(bare, 50), percentile(bare, 99), percentile(ours, 50), percentile(ours, 99)
    print(f"{phase:8s} bare FastAPI p50 {p50b:6.1f} ms  p99 {p99b:6.1f} ms | concierge p50 {p50c:6.1f} ms  p99 {p99c:6.1f} ms | "
          f"ratio p50 {p50c / p50b:.2f}×  p99 {p99c / p99b:.2f}×  (targets ≤ 2×; {len(ours)} requests each)")


async def run(base: Path, args: argparse.Namespace) -> None:
    known_count, backlog = 50, args.backlog
    ids = write_seed(base / "tickets.json", known_count + backlog)
    known, fresh = ids[:known_count], ids[known_count:]
    cport, bport = free_port(), free_port()
    env = offline_env(base / "data", WEBHOOK_SECRET=SECRET, HELPDESK_SEED_FILE=str(base / "tickets.json"))
    with server([str(BIN / "concierge"), "serve", "--port", str(cport)], env, base / "serve.log"), \
            server([str(BIN / "python"), "-m", "bench.bare_app", "--port", str(bport)], env, base / "bare.log"):
        curl, burl = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{bport}"
        wait_ready(curl + "/readyz", timeout_s=300)
        wait_ready(burl + "/healthz")
        async with httpx.AsyncClient(timeout=60) as client:
            await burst(curl, [{"ticket_id": t} for t in known])  # the known threads, run to their first wait
            while await pending(client, curl):
                await asyncio.sleep(0.5)
            targets = {"bare": burl, "concierge": curl}
            await measure(client, targets, known, 1, 200)  # warm both
            report("idle", await measure(client, targets, known, args.rounds, args.per_round))
            while await pending(client, curl):
                await asyncio.sleep(0.5)

            start = time.perf_counter()
            await burst(curl, [{"ticket_id": t} for t in fresh])
            print(f"backlog: {len(fresh)} new tickets acknowledged in {time.perf_counter() - start:.1f} s; "
                  f"{await pending(client, curl)} events pending when the measured rounds start")
            results = await measure(client, targets, known, args.rounds, args.per_round)
            left = await pending(client, curl)
            report("backlog", results)
            print("concierge gc pauses over the run: " + gc_pauses((await client.get(curl + "/metrics")).text))
            print(f"backlog: {left} events still pending when the measured rounds ended"
                  + (" (the backlog ran out during the rounds: use a larger --backlog)" if left == 0 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument("--backlog", type=int, default=600)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp), args))


if __name__ == "__main__":
    main()
