"""Prometheus metrics, served on `GET /metrics`.

Counters and histograms are updated where things happen (the queue, the LLM callback, failures);
threads by stage and outcome come from the store's thread list (one grouped query, shared by every
process), which the runner updates after each run, so a scrape reads no checkpoint.
"""

from __future__ import annotations

import gc
import time
from collections import Counter as Tally
from collections.abc import Mapping
from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.outputs import LLMResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS = Counter("concierge_events", "Webhook events and timers by source and result "
                 "(received, duplicate, done, failed, ignored, retrying).", ["source", "result"], registry=REGISTRY)
JOB_SECONDS = Histogram("concierge_job_seconds", "Time to process one queued event, by kind.", ["kind"], registry=REGISTRY,
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300))
LLM_CALLS = Counter("concierge_llm_calls", "LLM calls by model and result (ok, error).", ["model", "result"], registry=REGISTRY)
LLM_TOKENS = Counter("concierge_llm_tokens", "LLM tokens by model and kind (input, output).", ["model", "kind"], registry=REGISTRY)
PROVIDER_ERRORS = Counter("concierge_provider_errors", "Failed calls to an outside part (llm, helpdesk, email, voice, alerts, ...), "
                          "by part and whether the failure is transient.", ["part", "transient"], registry=REGISTRY)
STUCK_ALERTS = Counter("concierge_stuck_alerts", "Threads and events reported as stuck (one alert each).", ["reason"], registry=REGISTRY)

GC_PAUSES = Histogram("concierge_gc_pause_seconds", "Garbage collection pauses (the whole process stops), by generation.",
                      ["generation"], registry=REGISTRY, buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))
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
                         ("concierge.tools.crm", "helpdesk"), ("concierge.tools.email", "email"), ("aiosmtplib", "email"),
                         ("concierge.tools.voice", "voice"), ("vapi", "voice"), ("concierge.tools.alerts", "alerts"),
                         ("slack_sdk", "alerts"), ("qdrant", "knowledge_base"), ("httpx", "http"), ("httpcore", "http")):
        if module.startswith(prefix):
            return part
    return "other"


class LLMMetrics(AsyncCallbackHandler):
    """A LangChain callback counting every chat model call and its tokens."""

    def __init__(self) -> None:
        self._models: dict[Any, str] = {}  # run id -> the model it called, until the call ends

    async def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: Any, **kwargs: Any) -> None:
        serialized = serialized or {}
        params = kwargs.get("invocation_params") or {}
        self._models[run_id] = str(params.get("model") or params.get("model_name") or (serialized.get("kwargs") or {}).get("model")
                                   or (serialized.get("id") or ["unknown"])[-1])

    async def on_llm_end(self, response: LLMResult, *, run_id: Any = None, **kwargs: Any) -> None:
        model, usage = self._models.pop(run_id, "unknown"), {}
        for generations in response.generations:
            for generation in generations:
                message = getattr(generation, "message", None)
                meta = getattr(message, "response_metadata", None) or {}
                model = meta.get("model_name") or model
                usage = getattr(message, "usage_metadata", None) or usage
        LLM_CALLS.labels(model, "ok").inc()
        LLM_TOKENS.labels(model, "input").inc(usage.get("input_tokens", 0))
        LLM_TOKENS.labels(model, "output").inc(usage.get("output_tokens", 0))

    async def on_llm_error(self, error: BaseException, *, run_id: Any = None, **kwargs: Any) -> None:
        LLM_CALLS.labels(self._models.pop(run_id, "unknown"), "error").inc()
        from concierge.server.failures import is_transient

        PROVIDER_ERRORS.labels("llm", str(is_transient(error)).lower()).inc()


LLM_CALLBACK = LLMMetrics()


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
