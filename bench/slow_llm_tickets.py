"""500 tickets through the embedded runtime with an LLM that takes 1 s per call, at concurrency 100:
how close the wall time comes to the ideal (LLM calls × 1 s / 100).

The LLM is `bench.slow_llm` (OpenAI-compatible, loopback, its own process); tickets are copies of
the demo's AI tickets, each taken to its first stop (the offer or answer email sent, or a person).

    .venv/bin/python -m bench.slow_llm_tickets [--tickets 500] [--concurrency 100] [--delay 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import BIN, free_port, machine, offline_env, server, wait_ready
from bench.tickets import write_seed


async def run(base: Path, tickets: int, concurrency: int, llm_url: str) -> tuple[float, int]:
    from concierge.runtime.process import open_runtime
    from concierge.schemas import ThreadId
    from concierge.settings import Settings

    seed = base / "tickets.json"
    ids = write_seed(seed, tickets + 6)
    settings = Settings(_env_file=None, CONCIERGE_DATA_DIR=str(base / "data"), HELPDESK_SEED_FILE=str(seed),
                        LLM_BASE_URL=llm_url, LLM_API_KEY="bench", QUEUE_CONCURRENCY=concurrency, ALERTS_CONSOLE=False)
    async with open_runtime(settings) as runtime:  # the knowledge base is filled before the clock starts
        store, queue = runtime.services.store, runtime.queue
        await warm_up(runtime, ids[:6])
        async with httpx.AsyncClient() as client:
            calls_before = (await client.get(llm_url.removesuffix("/v1") + "/calls")).json()["calls"]
        cpu = time.process_time()
        start = time.perf_counter()
        for ticket_id in ids[6:]:
            thread_id = str(ThreadId("local", ticket_id))
            await store.register_thread(thread_id, "local", ticket_id)
            await queue.enqueue("local", f"assigned:{thread_id}", "ticket_assigned", thread_id, {"ticket_id": ticket_id})
        await queue.join()
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        async with httpx.AsyncClient() as client:
            calls = (await client.get(llm_url.removesuffix("/v1") + "/calls")).json()["calls"] - calls_before
        from concierge.observability.metrics import thread_gauge

        stages = thread_gauge(await store.thread_counts())
        failed = len(await store.failed_events())
    print(f"threads by stage: {dict(sorted((f'{s}/{o}' if o else s, n) for (s, o), n in stages.items()))}; failed events: {failed}; "
          f"this process used {cpu:.1f} s of CPU in {elapsed:.1f} s ({cpu / elapsed:.0%} of one core)")
    return elapsed, calls


async def warm_up(runtime, ids: list[str]) -> None:
    """One ticket of each kind first, untimed: the LLM's answers, query embeddings and code paths warm."""
    from concierge.schemas import ThreadId

    for ticket_id in ids:
        thread_id = str(ThreadId("local", ticket_id))
        await runtime.services.store.register_thread(thread_id, "local", ticket_id)
        await runtime.queue.enqueue("local", f"assigned:{thread_id}", "ticket_assigned", thread_id, {"ticket_id": ticket_id})
    await runtime.queue.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        port = free_port()
        os.environ.update({k: v for k, v in offline_env(base / "data").items() if k not in os.environ or k in ("LOG_LEVEL",)})
        with server([str(BIN / "python"), "-m", "bench.slow_llm", "--port", str(port), "--delay", str(args.delay)],
                    offline_env(base / "llm"), base / "llm.log"):
            wait_ready(f"http://127.0.0.1:{port}/calls")
            elapsed, calls = asyncio.run(run(base, args.tickets, args.concurrency, f"http://127.0.0.1:{port}/v1"))
    ideal = calls * args.delay / args.concurrency
    if not ideal:  # --delay 0: no LLM wait to compare with, only the work itself
        print(f"{args.tickets} tickets, {calls} LLM calls answered at once: {elapsed:.1f} s, "
              f"{args.tickets / elapsed:.1f} tickets/s")
        return
    print(f"{args.tickets} tickets, {calls} LLM calls of {args.delay:.1f} s at concurrency {args.concurrency}: "
          f"{elapsed:.1f} s against an ideal of {ideal:.1f} s = {elapsed / ideal:.2f}× (target ≤ 1.3×)")


if __name__ == "__main__":
    main()
