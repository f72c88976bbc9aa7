"""Prometheus metrics, served on `GET /metrics`.

Counters and histograms are updated where things happen (the queue, the LLM callback in
`concierge.tools.llm.metrics`, failures, the garbage collector's pauses in `gc.py`);
threads by stage and outcome come from the store's thread list (one grouped query, shared by every
process), which the runner updates after each run, so a scrape reads no checkpoint.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter("concierge_events", "Webhook events and timers by source and result "
                 "(received, duplicate, done, failed, ignored, retrying, superseded).", ["source", "result"], registry=REGISTRY)
JOB_SECONDS = Histogram("concierge_job_seconds", "Time to process one queued event, by kind.", ["kind"], registry=REGISTRY,
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300))
LLM_CALLS = Counter("concierge_llm_calls", "LLM calls by model and result (ok, error).", ["model", "result"], registry=REGISTRY)
LLM_TOKENS = Counter("concierge_llm_tokens", "LLM tokens by model and kind (input, output).", ["model", "kind"], registry=REGISTRY)
PROVIDER_ERRORS = Counter("concierge_provider_errors", "Failed calls to an outside part (llm, helpdesk, email, voice, alerts, ...), "
                          "by part and whether the failure is transient.", ["part", "transient"], registry=REGISTRY)
STUCK_ALERTS = Counter("concierge_stuck_alerts", "Threads and events reported as stuck (one alert each).", ["reason"], registry=REGISTRY)

GC_PAUSES = Histogram("concierge_gc_pause_seconds", "Garbage collection pauses (the whole process stops), by generation.",
                      ["generation"], registry=REGISTRY, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))


class _ThreadsCollector:
    def __init__(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.counts = counts

    def collect(self):
        gauge = GaugeMetricFamily("concierge_threads", "Threads by stage and outcome (outcome set once done).", labels=["stage", "outcome"])
        for (stage, outcome), count in sorted(self.counts.items()):
            gauge.add_metric([stage, outcome], count)
        yield gauge


def part_of(exc: BaseException) -> str:
    """Which outside part an exception came from, by the module that defines it."""
    module = type(exc).__module__
    for prefix, part in (("openai", "llm"), ("groq", "llm"), ("langchain", "llm"), ("concierge.tools.llm", "llm"),
                         ("concierge.tools.helpdesk", "helpdesk"), ("concierge.tools.email", "email"), ("aiosmtplib", "email"),
                         ("concierge.tools.voice", "voice"), ("vapi", "voice"), ("concierge.tools.alerts", "alerts"),
                         ("slack_sdk", "alerts"), ("qdrant", "knowledge_base"), ("httpx", "http"), ("httpcore", "http")):
        if module.startswith(prefix):
            return part
    return "other"


def thread_gauge(rows: Mapping[tuple[str, str | None, str | None], int]) -> Tally[tuple[str, str]]:
    """Threads by (stage, outcome) from the store's (status, stage, outcome) counts; the outcome
    only once a thread is done."""
    counts: Tally[tuple[str, str]] = Tally()
    for (status, stage, outcome), n in rows.items():
        counts[(stage or "new", (outcome or "") if status == "done" else "")] += n
    return counts


def render(threads_by_stage: Mapping[tuple[str, str], int] | None = None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format (with every thread in the database), and its content type."""
    text = generate_latest(REGISTRY)
    if threads_by_stage is not None:
        threads = CollectorRegistry(auto_describe=False)
        threads.register(_ThreadsCollector(threads_by_stage))
        text += generate_latest(threads)
    return text, CONTENT_TYPE_LATEST
