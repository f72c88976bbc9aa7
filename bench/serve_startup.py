"""How long `concierge serve` takes to answer /healthz, and its resident memory then (before the
first ticket), on the embedded defaults with a fresh data folder.

    .venv/bin/python bench/serve_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import BIN, free_port, machine, offline_env, rss_mb, server, wait_ready


def one_run(base: Path, fresh: bool) -> tuple[float, float, float]:
    """(seconds to ready, MB resident at ready, MB resident 10 s later)."""
    port = free_port()
    env = offline_env(base / "data")
    with server([str(BIN / "concierge"), "serve", "--port", str(port)], env, base / f"serve-{time.time_ns()}.log") as process:
        seconds = wait_ready(f"http://127.0.0.1:{port}/healthz", process=process)
        at_ready = rss_mb(process.pid)
        time.sleep(10)  # anything warmed in the background after ready
        later = rss_mb(process.pid)
    return seconds, at_ready, later


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        results = []
        for i in range(args.runs):
            seconds, ready_mb, later_mb = one_run(base, fresh=i == 0)
            kind = "fresh data folder" if i == 0 else "existing data folder"
            print(f"run {i + 1} ({kind}): ready in {seconds:.2f} s, {ready_mb:.0f} MB resident at ready, {later_mb:.0f} MB 10 s later")
            results.append((seconds, ready_mb, later_mb))
    print(f"median: ready in {statistics.median(r[0] for r in results):.2f} s (target ≤ 5 s), "
          f"{statistics.median(r[1] for r in results):.0f} MB at ready (target ≤ 400 MB), "
          f"{statistics.median(r[2] for r in results):.0f} MB after background warm-up")


if __name__ == "__main__":
    main()
