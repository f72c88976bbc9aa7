"""Shared pieces of the benchmarks: the offline environment, free ports, real server processes,
resident memory, and the machine the figures came from."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Every provider setting blank: the embedded defaults, whatever a developer's .env says.
OFFLINE = ["GROQ_API_KEY", "LLM_BASE_URL", "QDRANT_URL", "EMBEDDING_MODEL", "RERANKER_MODEL", "HELPDESK",
           "EMAIL_BACKEND", "VOICE_PROVIDER", "ALERTS", "ADMIN_TOKEN", "DATABASE_URL"]


def offline_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({name: "" for name in OFFLINE})
    env.update({"CONCIERGE_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "LANGSMITH_TRACING": "false",
                "PYTHONUNBUFFERED": "1", "ALERTS_CONSOLE": "false", "LOG_LEVEL": "WARNING", **extra})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_ready(url: str, timeout_s: float = 120, process: subprocess.Popen | None = None) -> float:
    """Seconds until `url` answers 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise TimeoutError(url)


@contextmanager
def server(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, load avg {load:.1f}"
