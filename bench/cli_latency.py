"""How long the `concierge` command takes, end to end as a person types it (a new process each
time): the help pages, which load no settings, models or database, and the read-only commands on a
data folder the demo filled (`threads`, `show`), which open the store and the checkpoints but no
model. Medians of `--runs` runs (interleaved, so each command sees the same load), with the
interpreter's own start-up beside them as the floor.

    .venv/bin/python -m bench.cli_latency [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BIN, machine, offline_env

TARGET_HELP_S = 0.3


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    concierge = str(BIN / "concierge")
    with tempfile.TemporaryDirectory() as tmp:
        env = offline_env(Path(tmp) / "data")
        print("filling a data folder with the demo…", flush=True)
        subprocess.run([concierge, "demo"], env=env, capture_output=True, check=True, timeout=900)
        commands = {
            "python -c pass (the floor)": [sys.executable, "-c", "pass"],
            "concierge --help": [concierge, "--help"],
            "concierge threads --help": [concierge, "threads", "--help"],
            "concierge show --help": [concierge, "show", "--help"],
            "concierge threads (7 threads)": [concierge, "threads"],
            "concierge show local:1001": [concierge, "show", "local:1001"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, env))
    print(f"\n{machine()}; {args.runs} runs each, interleaved")
    print(f"{'command':34} {'median':>8} {'min':>8} {'max':>8}")
    for name, values in times.items():
        print(f"{name:34} {statistics.median(values):7.3f}s {min(values):7.3f}s {max(values):7.3f}s")
    help_median = statistics.median(times["concierge --help"])
    print(f"\n`concierge --help` median {help_median:.3f} s (target ≤ {TARGET_HELP_S} s): "
          f"{'met' if help_median <= TARGET_HELP_S else 'NOT met'}")


if __name__ == "__main__":
    main()
