"""Servers run as real processes for tests: started in their own session, polled until ready, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import OFFLINE

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # the venv running the tests


@dataclass
class ServerProcess:
    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 80) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Blank, not just unset: a developer's .env must not switch the server to Groq, Qdrant or a hub model.
    # The rest as the in-process tests have them: calls at any hour, so no test depends on the wall clock.
    env.update({name: "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
                for name, value in OFFLINE.items()})
    env.update({
        "CONCIERGE_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "PYTHONUNBUFFERED": "1",
        "VIRTUAL_ENV": str(VENV_BIN.parent),
        "PATH": os.pathsep.join([str(VENV_BIN), env.get("PATH", "")]),
        **extra,
    })
    return env


def stop(process: subprocess.Popen) -> None:
    """Stop the whole process group the server started (it may spawn workers)."""
    if process.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def running_server(command: list[str], *, base: Path, port: int, ready_path: str, timeout_s: float = 120,
                   env: dict[str, str] | None = None, cwd: Path = ROOT, data_dir: Path | None = None) -> Iterator[ServerProcess]:
    data_dir, log = data_dir or base / "data", base / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env or offline_env(data_dir), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = ServerProcess(url=f"http://127.0.0.1:{port}", data_dir=data_dir, log=log, process=process)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if httpx.get(f"{server.url}{ready_path}", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not answer {ready_path} in {timeout_s}s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        stop(process)
