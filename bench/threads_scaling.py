"""Does the cost of a ticket grow with the number of threads already stored? The same 100 new
tickets run on the embedded runtime with 1k and then 10k finished threads in the store (each with
its checkpoint, inbox event, helpdesk ticket and customer), and start-up is timed too (the queue
looks for runs that stopped between steps in the store's thread list).

The LLM is `bench.slow_llm` with no delay (answers replayed), so the figures are Concierge's own work.

    .venv/bin/python -m bench.threads_scaling [--sizes 1000 10000] [--tickets 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import BIN, free_port, machine, offline_env, server, wait_ready
from bench.tickets import write_seed


async def populate(runtime, ids: list[str]) -> None:
    """Finished threads as a real run leaves them: registered, checkpointed, their event done."""
    from concierge.schemas import ThreadId

    store = runtime.services.store
    for ticket_id in ids:
        thread_id = str(ThreadId("local", ticket_id))
        await store.register_thread(thread_id, "local", ticket_id)
        await store.record_event("local", f"assigned:{thread_id}", "ticket_assigned", thread_id, {"ticket_id": ticket_id})
        await runtime.graph.aupdate_state(
            runtime.runner.config(thread_id),
            {"thread_id": thread_id, "ticket": {"id": ticket_id}, "stage": "done", "outcome": {"status": "resolved"}},
            as_node="closer")
        await runtime.runner.record_status(thread_id)  # the store's thread list, as the end of a run writes it
        await store.finish_event("local", f"assigned:{thread_id}")


async def run_size(base: Path, stored: int, tickets: int, llm_url: str) -> dict[str, float]:
    from concierge.runtime.process import open_runtime
    from concierge.schemas import ThreadId
    from concierge.settings import Settings

    seed = base / f"tickets-{stored}.json"
    ids = write_seed(seed, stored + tickets + 6)
    warm, ids = ids[-6:], ids[:-6]
    settings = Settings(_env_file=None, CONCIERGE_DATA_DIR=str(base / f"data-{stored}"), HELPDESK_SEED_FILE=str(seed),
                        LLM_BASE_URL=llm_url, LLM_API_KEY="bench", QUEUE_CONCURRENCY=20, ALERTS_CONSOLE=False)
    async with open_runtime(settings) as runtime:
        await populate(runtime, ids[:stored])
        from bench.slow_llm_tickets import warm_up

        await warm_up(runtime, warm)  # models and answers loaded before anything is timed
    started = time.perf_counter()
    async with open_runtime(settings) as runtime:
        opened = time.perf_counter() - started
        store, queue = runtime.services.store, runtime.queue
        acks: list[float] = []
        start = time.perf_counter()
        for ticket_id in ids[stored:]:
            thread_id = str(ThreadId("local", ticket_id))
            t = time.perf_counter()
            # the ack path of a new ticket: known thread? the helpdesk's word, register, record, queue
            assert not await store.has_thread(thread_id)
            await runtime.services.helpdesk.get_ticket(ticket_id)
            await store.register_thread(thread_id, "local", ticket_id)
            await queue.enqueue("local", f"assigned:{thread_id}", "ticket_assigned", thread_id, {"ticket_id": ticket_id})
            acks.append(time.perf_counter() - t)
        await queue.join()
        elapsed = time.perf_counter() - start
        # A reply with no reply address and no threading headers is matched by its sender's open ticket.
        from concierge.actions.inbound_email import match_thread
        from concierge.schemas import InboundEmail

        stray = InboundEmail.model_validate({"from": "someone@example.com", "to": ["stays@concierge.example.com"],
                                             "subject": "hello", "text": "hi", "message_id": "<stray@example.com>"})
        t = time.perf_counter()
        await match_thread(runtime, stray)
        by_sender = time.perf_counter() - t
    return {"start_s": opened, "per_ticket_ms": elapsed / tickets * 1000, "ack_ms": statistics.median(acks) * 1000,
            "sender_match_s": by_sender}


async def run_sizes(base: Path, sizes: list[int], tickets: int, llm_url: str) -> dict[int, dict[str, float]]:
    return {size: await run_size(base, size, tickets, llm_url) for size in sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--tickets", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        port = free_port()
        with server([str(BIN / "python"), "-m", "bench.slow_llm", "--port", str(port), "--delay", "0"],
                    offline_env(base / "llm"), base / "llm.log"):
            wait_ready(f"http://127.0.0.1:{port}/calls")
            results = asyncio.run(run_sizes(base, args.sizes, args.tickets, f"http://127.0.0.1:{port}/v1"))
            for size, r in results.items():
                print(f"{size:6d} threads stored: start-up {r['start_s']:.1f} s; {args.tickets} new tickets "
                      f"{r['per_ticket_ms']:.1f} ms each (wall, 20 at a time); ack path median {r['ack_ms']:.2f} ms; "
                      f"matching a reply by its sender {r['sender_match_s'] * 1000:.0f} ms")
    small, large = results[args.sizes[0]], results[args.sizes[-1]]
    print(f"ratio {args.sizes[-1]} / {args.sizes[0]} threads: start-up {large['start_s'] / small['start_s']:.2f}×, "
          f"per ticket {large['per_ticket_ms'] / small['per_ticket_ms']:.2f}×, ack {large['ack_ms'] / small['ack_ms']:.2f}×, "
          f"reply matched by sender {large['sender_match_s'] / small['sender_match_s']:.2f}× (target: 1×)")


if __name__ == "__main__":
    main()
