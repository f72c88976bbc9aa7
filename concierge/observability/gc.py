"""The garbage collector: kept from pausing the process, and its pauses timed.

Objects that live as long as the process (start-up, a model loaded on first use) are moved out of
the garbage collector's reach: otherwise every full collection walks their millions of objects
and stops the process for about half a second (measured: 12 full collections of ~0.5 s in a
one-minute webhook benchmark), which is the webhooks' p99. Every pause is timed into
`concierge_gc_pause_seconds`.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from concierge.observability.metrics import GC_PAUSES


def keep_for_good() -> None:
    """Call once something long-lived has loaded: collect what is garbage now, freeze the rest."""
    gc.collect()
    gc.freeze()


# A server allocates many short-lived objects per request and per step; collecting the youngest
# generation every 20,000 allocations instead of 700 means ~5x fewer full collections over the
# same work (3 instead of 15 in the webhook benchmark), each a pause of the whole process.
THRESHOLDS = (20_000, 20, 20)


def collect_less_often() -> None:
    gc.set_threshold(*THRESHOLDS)


_gc_started: list[float] = []


def _time_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        GC_PAUSES.labels(str(info.get("generation"))).observe(time.perf_counter() - _gc_started.pop())


def watch_gc() -> None:
    """Time every collection (a server calls this once at start)."""
    if _time_gc not in gc.callbacks:
        gc.callbacks.append(_time_gc)
